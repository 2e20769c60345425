/** A stored comment, as rooms broadcast it (`comment` message) and the HTTP API returns it. */
export interface CommentView {
  /** ids are strings: they are 64-bit */
  id: string;
  anime_id: string;
  episode_number: number;
  parent_id: string | null;
  user_id: string;
  username: string;
  /** stored exactly as given; render it as text, never as HTML */
  message: string;
  room_id: string | null;
  video_timestamp: number | null;
  /** epoch ms */
  created_at: number;
  /** in threads (`GET /api/comments`): replies, oldest first */
  replies?: CommentView[];
}

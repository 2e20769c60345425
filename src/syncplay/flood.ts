/**
 * How much one Syncplay connection may send. A real client sends about one State a second (one
 * answer per server State, plus one per pause/seek in its player) and a few Set/List/Chat lines
 * around a join or a file change; these limits are far above that and far below what would cost
 * the server.
 */

/** States per second (a real client: 1–3). */
export const MAX_STATES_PER_S = 20;
/** All messages per second. */
export const MAX_MESSAGES_PER_S = 40;
/** Chat lines per 10 seconds (the room's comment limit applies after this). */
export const MAX_CHATS_PER_10S = 10;

export class FloodGuard {
  private second = 0;
  private states = 0;
  private all = 0;
  private chatWindow = 0;
  private chats = 0;

  /** Counts one message at `nowMs`; false when the connection sent too many. */
  allow(type: string, nowMs: number): boolean {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.states = 0;
      this.all = 0;
    }
    const window = Math.floor(nowMs / 10_000);
    if (window !== this.chatWindow) {
      this.chatWindow = window;
      this.chats = 0;
    }
    this.all += 1;
    if (type === "State") this.states += 1;
    if (type === "Chat") this.chats += 1;
    return (
      this.all <= MAX_MESSAGES_PER_S && this.states <= MAX_STATES_PER_S && this.chats <= MAX_CHATS_PER_10S
    );
  }
}

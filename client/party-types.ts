/** The party's public types: options, events and the shapes it sends and receives. */
import type { ClientOptions } from "@colyseus/sdk";
import type { CommentView } from "../schema/comments.ts";
import type {
  CommentMessage,
  ControlMessage,
  CreateRoomOptions,
  ErrorMessage,
  JoinRoomOptions,
  ReactionCountsView,
  ReactionView,
  WelcomeMessage,
} from "../schema/messages.ts";
import type { WatchPartyState } from "../schema/state.ts";
import { ROOM_NAME } from "../schema/protocol.ts";
import type { ClockEstimate, ClockSchedule, ClockSyncOptions } from "./clock-sync.ts";
import type { RejoinPolicy } from "./rejoin.ts";

/** The room type (`ROOM_NAME` of schema/protocol.ts). */
export const ROOM_TYPE = ROOM_NAME;

/** `create` options; `is_public` defaults to true. */
export type CreateOptions = Omit<CreateRoomOptions, "is_public"> & { is_public?: boolean };
export type JoinOptions = JoinRoomOptions;
export type ControlAction = ControlMessage["action"];

/** The `comment` message a member sends: `{ message, video_timestamp?, parent_id? }`. */
export type CommentInput = CommentMessage;

/** A stored comment, as the server broadcasts it (and as the HTTP API returns it). */
export type StoredComment = CommentView;

export interface WatchPartyEvents {
  /** after every state patch */
  state: (state: WatchPartyState) => void;
  /** on join, after a reconnect or rejoin, and on becoming host */
  welcome: (welcome: WelcomeMessage) => void;
  /** a message this client sent was refused */
  error: (error: ErrorMessage) => void;
  comment: (comment: StoredComment) => void;
  /** a member's timeline reaction, as it happens (a small room) */
  reaction: (reaction: ReactionView) => void;
  /** a big room's reactions, counted once a second (audience mode: `state.audience`) */
  reaction_counts: (counts: ReactionCountsView) => void;
  /** the connection was lost: the SDK is reconnecting, or (after a restart) the room is being joined again */
  drop: (code: number, reason?: string) => void;
  /** the SDK reconnected to the same room */
  reconnect: () => void;
  /** the room was lost (e.g. a server restart) and has been joined again by id */
  rejoin: () => void;
  /** a new clock estimate */
  clock: (estimate: ClockEstimate) => void;
  /** final: this party is closed (by `leave()`, by the server, or rejoining failed) */
  leave: (code: number, reason?: string) => void;
}

export interface WatchPartyOptions {
  /** Options for the Colyseus `Client` when an endpoint URL is given. */
  clientOptions?: ClientOptions;
  /** Local clock in ms. Default `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  clockSync?: Partial<ClockSyncOptions>;
  clockSchedule?: Partial<ClockSchedule>;
  /** Timeout of one `time` request. Default 5 000 ms. */
  timeRequestTimeoutMs?: number;
  /** `room.reconnection.minUptime`: reconnect even after a drop this soon after joining. Default 1 000 ms. */
  minUptimeMs?: number;
  /** Join the room again by id once it is lost for good; `false` to never. Defaults in rejoin.ts. */
  rejoin?: Partial<RejoinPolicy> | false;
  /**
   * After a dropped socket the SDK reconnects to the same server process; if that process died,
   * its room comes back on another one, reached through the endpoint (a load balancer). From this
   * long after the drop on, and then at doubling intervals (up to 8 s) while still dropped, the room is also
   * joined by id through the endpoint: refused (`USER_ALREADY_IN_ROOM`) while the old process
   * still holds the seat, a success once the room moved. `false` to only reconnect. Default 500 ms.
   */
  movedProbeMs?: number | false;
  /** How long create/join wait for the first state and the `welcome`. Default 10 000 ms. */
  joinTimeoutMs?: number;
  /**
   * Who this client is: an identity token (AUTH_MODE=guest: one the server issued before;
   * AUTH_MODE=jwt: your site's token). Presented on create, join, rejoin and HTTP calls. Without
   * one, a guest server issues a new identity in `welcome` (see `identityToken`); in browsers it
   * is kept in localStorage (the SDK's `colyseus-auth-token`) and used again next time.
   */
  identityToken?: string;
}

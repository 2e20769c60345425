/**
 * AniSync client SDK. `WatchParty` joins a room and keeps the server's clock; `attach` makes a
 * video element follow the room. The pure policies are exported for custom players and tests.
 */
export {
  WatchParty,
  ROOM_TYPE,
  type CommentInput,
  type ControlAction,
  type CreateOptions,
  type JoinOptions,
  type StoredComment,
  type WatchPartyEvents,
  type WatchPartyOptions,
} from "./watch-party.ts";
export { Client } from "@colyseus/sdk";
export { attach, type AttachOptions, type PartyLike } from "./attach-video.ts";
export {
  ClockSync,
  DEFAULT_CLOCK_SCHEDULE,
  DEFAULT_CLOCK_SYNC,
  nextSampleDelay,
  type ClockEstimate,
  type ClockSample,
  type ClockSchedule,
  type ClockSyncOptions,
} from "./clock-sync.ts";
export {
  DEFAULT_CORRECTION,
  decideCorrection,
  expectedPosition,
  type Correction,
  type CorrectionInput,
  type CorrectionOptions,
  type PlaybackClock,
} from "./correction.ts";
export {
  DEFAULT_FOLLOW,
  DEFAULT_STATUS_POLICY,
  planHost,
  planMember,
  shouldSendStatus,
  type ElementAction,
  type ElementSnapshot,
  type FollowOptions,
  type StatusPolicy,
  type StatusReport,
} from "./follow.ts";
export { EchoGuard, type MediaEventKind } from "./echo-guard.ts";
export {
  DEFAULT_REJOIN,
  isPermanentJoinError,
  joinErrorCode,
  rejoinDelay,
  shouldRejoin,
  type RejoinPolicy,
} from "./rejoin.ts";
export type {
  WelcomeMessage,
  ErrorMessage,
  StatusMessage,
  ControlMessage,
  ReactionView,
  SegmentInput,
  QueueItemInput,
} from "../schema/messages.ts";
export type { WatchPartyState, Playback, Member, SyncStatus } from "../schema/state.ts";

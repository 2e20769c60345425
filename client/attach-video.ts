/**
 * Binds an HTMLVideoElement to a watch party. Thin DOM glue: the decisions are in follow.ts
 * (what the element should do, when to report) and echo-guard.ts (whose events these are).
 *
 * - Every `tickMs` (and at once when the host acts): a member's element follows the room —
 *   play/pause as the host does, small drift closed by nudging playbackRate, large drift by a seek.
 *   The host's element leads; when the room disagrees with it for a while (a lost or refused
 *   control, the host buffered and fell behind), the host re-announces its position.
 * - The host's own play / pause / seek on the element become `control` messages; the SDK's own
 *   programmatic play/pause/seek do not (echo guard). Seeks while scrubbing are coalesced.
 * - `waiting` (and `stalled` with nothing left to play) mark the element as buffering, `canplay` /
 *   `playing` clear it. While the room is held for this member, it reports buffering until its
 *   element has data to play on (follow.ts `isStalled`).
 *   `status` is sent about every 3 s and at once on a change (play/pause, buffering, a jump).
 */
import { EchoGuard, type MediaEventKind } from "./echo-guard.ts";
import { isOwnEcho, type OwnControl } from "./own-control.ts";
import type { ControlAction } from "./watch-party.ts";
import { expectedPosition } from "./correction.ts";
import {
  DEFAULT_FOLLOW,
  DEFAULT_STATUS_POLICY,
  endedOnRoomTimeline,
  hostFollowOptions,
  hostFollowsRoom,
  HAVE_FUTURE_DATA,
  isStalled,
  NETWORK_LOADING,
  planHost,
  planMember,
  shouldSendStatus,
  stallEventBuffers,
  type ElementAction,
  type ElementSnapshot,
  type FollowOptions,
  type SentStatus,
  type StatusPolicy,
  type StatusReport,
} from "./follow.ts";
import { definedOnly, type AttachOptions, type PartyLike } from "./attach-types.ts";

export type { AttachOptions, PartyLike } from "./attach-types.ts";

/** Starts following; returns a function that stops it and removes every listener. */
export function attach(party: PartyLike, video: HTMLVideoElement, opts: AttachOptions = {}): () => void {
  const follow: FollowOptions = { ...DEFAULT_FOLLOW, ...definedOnly(opts, DEFAULT_FOLLOW) };
  const statusPolicy: StatusPolicy = {
    ...DEFAULT_STATUS_POLICY,
    ...definedOnly(opts, DEFAULT_STATUS_POLICY),
  };
  const tickMs = opts.tickMs ?? 250;
  const seekDebounceMs = opts.seekDebounceMs ?? 300;
  const autoplayRetryMs = opts.autoplayRetryMs ?? 3_000;
  const now = opts.now ?? (() => performance.now());

  const guard = new EchoGuard();
  let buffering = false;
  /** local ms of the element's last `waiting` and of its last `progress` (data arrived) */
  let dryAt: number | undefined;
  let progressAt: number | undefined;
  let lastSeekAt: number | undefined;
  /**
   * local ms of the SDK's own last seek or play: from then until the element is within stopBelowS
   * (and at least seekCooldownMs, while a start or seek settles), any gap is closed (follow.ts closeGap)
   */
  let closeGapSince: number | undefined;
  let lastControlAt: number | undefined;
  let lastStatus: SentStatus | undefined;
  let lastSeq: number | undefined;
  /** this client's own last control, to tell its echo from others' changes */
  let ownControl: OwnControl | undefined;
  /** local ms of the last change the host did not make (a hold, a co-host, a new speed, an auto-advance) */
  let externalAt: number | undefined;
  /** the element was given a new source (a local file, the next item) and has not loaded it yet */
  let newSource = false;
  let knownSeq: number | undefined;
  let knownRate: number | undefined;
  /** local ms of the element's last seek (anyone's): buffering right after it is the seek, not a stall */
  let seekedAt: number | undefined;
  const seekGraceMs = opts.seekGraceMs ?? 1_500;
  let firstTick = true;
  let playPending = false;
  let blockedAt: number | undefined;
  let seekTimer: ReturnType<typeof setTimeout> | undefined;

  const snapshot = (): ElementSnapshot => ({
    currentTime: video.currentTime,
    paused: video.paused,
    playbackRate: video.playbackRate,
    seeking: video.seeking,
    buffering: buffering && !video.paused,
    ended: video.ended,
    duration: video.duration,
  });

  const requestPlay = () => {
    if (playPending) return;
    if (blockedAt !== undefined && now() - blockedAt < autoplayRetryMs) return;
    playPending = true;
    guard.expect("play", now());
    let attempt: Promise<void>;
    try {
      attempt = Promise.resolve(video.play());
    } catch (err) {
      attempt = Promise.reject(err);
    }
    attempt
      .then(
        () => (blockedAt = undefined),
        (err: unknown) => {
          if ((err as { name?: string } | null)?.name !== "NotAllowedError") return;
          if (blockedAt === undefined) opts.onAutoplayBlocked?.(err);
          blockedAt = now();
        },
      )
      .finally(() => (playPending = false));
  };

  const apply = (actions: ElementAction[]) => {
    for (const action of actions) {
      switch (action.type) {
        case "seek":
          lastSeekAt = now();
          guard.expect("seek", lastSeekAt);
          video.currentTime = action.to;
          closeGapSince = lastSeekAt;
          break;
        case "rate":
          video.playbackRate = action.rate;
          break;
        case "play":
          requestPlay();
          closeGapSince = now();
          break;
        case "pause":
          guard.expect("pause", now());
          video.pause();
          break;
      }
    }
  };

  const report = () => {
    const t = now();
    const hold = party.state?.hold;
    const heldFor =
      hold?.active === true && party.userId !== undefined && [...hold.waiting_for].includes(party.userId);
    const stalled = isStalled(
      {
        waiting: buffering,
        paused: video.paused,
        readyState: video.readyState,
        sinceSeekMs: seekedAt === undefined ? undefined : t - seekedAt,
        heldFor,
        loadedSinceStall:
          video.networkState !== NETWORK_LOADING ||
          dryAt === undefined ||
          (progressAt !== undefined && progressAt > dryAt),
      },
      seekGraceMs,
    );
    const next: StatusReport = {
      current_time: video.currentTime,
      is_playing: !video.paused,
      buffering: stalled,
    };
    if (!shouldSendStatus(lastStatus, next, t, statusPolicy)) return;
    party.status(next);
    lastStatus = { ...next, sentAt: t };
  };

  const sendControl = (action: ControlAction) => {
    party.control(action, video.currentTime);
    lastControlAt = now();
    ownControl = { action, position: video.currentTime, at: lastControlAt };
  };

  const tick = () => {
    const state = party.state;
    if (state && party.clockSynced) {
      const playback = state.playback;
      lastSeq = playback.seq;
      const t = now();
      const base = { playback, serverNow: party.serverNow(), element: snapshot(), now: t };
      // a change the host did not make (the server held or resumed the room, a co-host acted,
      // the queue advanced) is followed, not overridden
      // (a new speed always: the server re-anchored it where it expected the host, see hostFollowsRoom)
      const changed = knownSeq !== undefined && playback.seq > knownSeq;
      const rateChanged = knownRate !== undefined && playback.rate !== knownRate;
      const echo = changed && !rateChanged && isOwnEcho(playback, ownControl, t, follow.hostCooldownMs);
      if (echo) ownControl = undefined; // one echo per control: a later change is someone else's
      const external = changed && !echo;
      knownSeq = playback.seq;
      knownRate = playback.rate;
      if (external) externalAt = t;
      // a new source starts at 0: the host takes the room's position once it has loaded, then leads
      if (newSource && video.readyState >= HAVE_FUTURE_DATA) {
        newSource = false;
        externalAt = t;
      }
      const following =
        party.isHost &&
        (newSource ||
          hostFollowsRoom(
            externalAt === undefined ? undefined : t - externalAt,
            base.element,
            playback.rate,
            follow,
          ));
      // a host joining a room with history first takes the room's position, then leads
      if (party.isHost && !(firstTick && playback.seq > 0) && !following) {
        const plan = planHost({ ...base, lastControlAt }, follow);
        apply(plan.actions);
        if (plan.control) sendControl(plan.control.action);
      } else {
        const options = following ? hostFollowOptions(follow) : follow;
        const closeGap = closeGapSince !== undefined;
        const plan = planMember({ ...base, lastSeekAt, closeGap }, options);
        apply(plan.actions);
        const settled =
          plan.weighed && plan.actions.length === 0 && Math.abs(plan.drift) < options.stopBelowS;
        if (settled && closeGapSince !== undefined && t - closeGapSince >= options.seekCooldownMs)
          closeGapSince = undefined;
        if (party.isHost) lastControlAt = t;
      }
      firstTick = false;
    }
    report();
  };

  // the host's own actions on the element
  const onUserAction = (kind: MediaEventKind) => {
    if (guard.consume(kind, now()) || !(party.canControl ?? party.isHost)) return;
    externalAt = undefined; // the host's own action: it leads again (a seek right after a hold is not undone)
    if (kind !== "seek") {
      sendControl(kind);
      return;
    }
    lastControlAt = now(); // a seek is on its way: no corrective control meanwhile
    clearTimeout(seekTimer);
    seekTimer = setTimeout(() => sendControl("seek"), seekDebounceMs);
  };
  const onPlay = () => {
    onUserAction("play");
    report();
  };
  const onPause = () => {
    onUserAction("pause");
    report();
  };
  const onSeeked = () => onUserAction("seek");
  const onSeeking = () => (seekedAt = now());
  const onBuffering = () => {
    buffering = true;
    dryAt = now();
    report();
  };
  const onProgress = () => (progressAt = now());
  const onEmptied = () => (newSource = true);
  // the host's player at the end of the video (a file, or an HLS VOD's last segment): the queue moves on
  const onEnded = () => {
    const pb = party.state?.playback;
    if (!party.isHost || !pb) return;
    if (!endedOnRoomTimeline(video.currentTime, expectedPosition(pb, party.serverNow()))) return;
    party.status({ current_time: video.currentTime, is_playing: false, buffering: false, ended: true });
  };
  const onStalled = () => {
    if (stallEventBuffers(video.readyState)) onBuffering();
  };
  const onReady = (event: Event) => {
    buffering = false;
    if (event.type === "playing") blockedAt = undefined;
    report();
  };

  // one signal removes every listener on detach
  const listening = new AbortController();
  const listeners: [string, (event: Event) => void][] = [
    ["play", onPlay],
    ["pause", onPause],
    ["seeked", onSeeked],
    ["seeking", onSeeking],
    ["waiting", onBuffering],
    ["stalled", onStalled],
    ["progress", onProgress],
    ["emptied", onEmptied],
    ["ended", onEnded],
    ["canplay", onReady],
    ["playing", onReady],
  ];
  for (const [type, listener] of listeners)
    video.addEventListener(type, listener, { signal: listening.signal });
  const offState = party.on("state", () => {
    if (party.state?.playback.seq !== lastSeq) tick();
  });
  const interval = setInterval(tick, tickMs);
  tick();

  return () => {
    clearInterval(interval);
    clearTimeout(seekTimer);
    offState();
    listening.abort();
    if (party.state) video.playbackRate = party.state.playback.rate;
  };
}

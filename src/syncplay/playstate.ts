/**
 * Playback between the room and one Syncplay connection, as pure rules:
 * - the room's playback as a Syncplay playstate (expected position, paused flag, doSeek on a jump);
 * - a client State as what it means for the room: a routine report (the member's `status`), a
 *   change its player made (a room `control` when the member may control, else undone), or
 *   nothing (a report the client made before it saw our last forced State);
 * - the `ignoringOnTheFly` bookkeeping both sides of Syncplay rely on, and the ping fields.
 * Times are seconds (Syncplay's unit) unless a name says ms.
 */

/** The replicated playback, as the room state carries it. */
export interface RoomPlayback {
  is_playing: boolean;
  position: number;
  updated_at: number;
  rate: number;
  seq: number;
}

export interface Playstate {
  position: number;
  paused: boolean;
  doSeek: boolean;
  setBy: string | null;
}

/** A room position that moves by more than this between two playbacks is a seek (doSeek). */
export const SEEK_JUMP_S = 0.25;
/** A report that is off the room by more than this is put back on it (a forced State with doSeek). */
export const CORRECT_DRIFT_S = 1;
/** No correction this long after a forced State or a control of the member's own. */
export const CORRECT_COOLDOWN_S = 3;

/** Round trips kept per connection. */
const RTT_SAMPLES = 10;

export function expectedAt(pb: RoomPlayback, serverNowMs: number): number {
  const at = pb.is_playing ? pb.position + ((serverNowMs - pb.updated_at) / 1000) * pb.rate : pb.position;
  return Math.max(0, at);
}

/** The room now, as a Syncplay playstate. */
export function roomPlaystate(
  pb: RoomPlayback,
  serverNowMs: number,
  setBy: string | null,
  doSeek = false,
): Playstate {
  return { position: round3(expectedAt(pb, serverNowMs)), paused: !pb.is_playing, doSeek, setBy };
}

/** Whether a new playback is a jump (seek) from the old one rather than a pause/play/rate change in place. */
export function isJump(prev: RoomPlayback, next: RoomPlayback): boolean {
  const continued = expectedAt(prev, next.updated_at);
  return Math.abs(next.position - continued) > SEEK_JUMP_S;
}

export type ControlAction = "play" | "pause" | "seek";

/** What a client's player change means: the control the member did, judged against the room. */
export function changeAsControl(
  report: { position: number; paused: boolean },
  roomPaused: boolean,
): { action: ControlAction; current_time: number } {
  const current_time = Math.max(0, report.position);
  if (report.paused !== roomPaused) return { action: report.paused ? "pause" : "play", current_time };
  return { action: "seek", current_time };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** What one client State asks of the gateway. */
export type StateVerdict =
  /** nothing to act on (no playstate, or a report made before the client saw our forced State) */
  | { kind: "none" }
  /** a routine report: the member's status */
  | { kind: "report"; position: number; paused: boolean }
  /** the member's player paused, unpaused or jumped */
  | { kind: "change"; position: number; paused: boolean; doSeek: boolean };

export interface StateIn {
  playstate?: { position?: number; paused?: boolean; doSeek?: boolean };
  latencyCalculation?: number;
  clientLatencyCalculation?: number;
  ignoringOnTheFly?: { server?: number; client?: number };
}

/**
 * One connection's side of Syncplay's State exchange. Forced States (ours) carry
 * `ignoringOnTheFly.server = n` and client playstates are ignored until the client echoes n; a
 * client's change carries `client = m`, which our next State echoes once.
 */
export class StateExchange {
  /** our forced States not yet echoed by the client */
  private serverIgnoring = 0;
  /** the client's change counter to echo in our next State (0 = none) */
  private clientToEcho = 0;
  /** the client's timestamp to echo, and when it arrived (s) */
  private clientStamp?: { at: number; arrivedS: number };
  /** recent round trips (s); the client answers after polling its player, so the smallest is the network's */
  private rtts: number[] = [];

  get roundTripS(): number {
    return this.rtts.length ? Math.min(...this.rtts) : 0;
  }

  /** Reads one client State at `nowS` (seconds, this server's clock). */
  receive(state: StateIn, nowS: number): StateVerdict {
    const ignore = state.ignoringOnTheFly;
    // the answer to our forced State: its playstate was read before the player applied it
    const echo = ignore?.server !== undefined;
    if (echo && ignore.server === this.serverIgnoring) this.serverIgnoring = 0;
    // The client counts its own changes (client: n, reset whenever it sees our echo or a forced
    // State) and sends its playstate with a pending count only in the State that reports the
    // change; later States omit the playstate until we echo. So: playstate + client count = a change.
    const counted = ignore?.client !== undefined && ignore.client > 0;
    if (counted) this.clientToEcho = ignore.client!;
    if (state.latencyCalculation !== undefined && state.latencyCalculation > 0) {
      const rtt = nowS - state.latencyCalculation;
      if (rtt >= 0 && rtt < 60) {
        this.rtts.push(rtt);
        if (this.rtts.length > RTT_SAMPLES) this.rtts.shift();
      }
    }
    if (state.clientLatencyCalculation !== undefined) {
      this.clientStamp = { at: state.clientLatencyCalculation, arrivedS: nowS };
    }
    const p = state.playstate;
    if (this.serverIgnoring !== 0 || !p || p.position === undefined || p.paused === undefined) {
      return { kind: "none" };
    }
    if (echo && !counted) return { kind: "none" };
    // the player was there half a round trip ago
    const position = p.paused ? p.position : p.position + this.roundTripS / 2;
    if (counted) return { kind: "change", position, paused: p.paused, doSeek: p.doSeek === true };
    return { kind: "report", position, paused: p.paused };
  }

  /** Our next State: `forced` for a room change or a correction (the client must echo it). */
  send(playstate: Playstate | undefined, nowS: number, forced: boolean): Record<string, unknown> {
    const ping: Record<string, number> = { latencyCalculation: nowS, serverRtt: round3(this.roundTripS) };
    if (this.clientStamp) {
      ping.clientLatencyCalculation = this.clientStamp.at + (nowS - this.clientStamp.arrivedS);
      this.clientStamp = undefined;
    }
    const state: Record<string, unknown> = { ping };
    // the client itself moves a playing position on by its estimate of the message's age
    if (playstate) state.playstate = { ...playstate, position: round3(playstate.position) };
    if (forced) this.serverIgnoring += 1;
    const ignoring: Record<string, number> = {};
    if (this.serverIgnoring) ignoring.server = this.serverIgnoring;
    if (this.clientToEcho) {
      ignoring.client = this.clientToEcho;
      this.clientToEcho = 0;
    }
    if (Object.keys(ignoring).length) state.ignoringOnTheFly = ignoring;
    return state;
  }

  /** Whether a forced State is waiting for the client's echo (routine States are then skipped, as Syncplay does). */
  get awaitingEcho(): boolean {
    return this.serverIgnoring !== 0;
  }
}

/**
 * The Syncplay wire format (1.6/1.7 clients): one JSON object per line, CRLF, each object with one
 * top-level key. `LineSplitter` cuts a byte stream into lines and refuses a line over the limit
 * before buffering it; `decodeLine` turns a line into a typed client message or a refusal that
 * says why; `encode` writes a server message. No sockets here.
 */

/** The longest line a client may send (bytes, CRLF excluded). */
export const MAX_LINE_BYTES = 64 * 1024;

export interface PlaystateIn {
  position?: number;
  paused?: boolean;
  doSeek?: boolean;
}

export interface StateIn {
  playstate?: PlaystateIn;
  /** the client's echo of our `latencyCalculation` (s) and its own timestamp (s) and round trip */
  latencyCalculation?: number;
  clientLatencyCalculation?: number;
  clientRtt?: number;
  ignoringOnTheFly?: { server?: number; client?: number };
}

export interface HelloIn {
  username: string;
  room: string;
  password?: string;
  version: string;
  features: Record<string, unknown>;
}

export interface FileIn {
  name: string;
  duration?: number;
  size?: number;
}

/** Each `Set` key the gateway understands; other keys are ignored (later client versions add some). */
export interface SetIn {
  ready?: { isReady: boolean; manuallyInitiated: boolean };
  file?: FileIn;
  playlistIndex?: { index: number | null };
  playlistChange?: { files: string[] };
  room?: { name: string };
}

export type ClientMessage =
  | { type: "TLS"; startTLS: string }
  | { type: "Hello"; hello: HelloIn }
  | { type: "Set"; set: SetIn }
  | { type: "List" }
  | { type: "State"; state: StateIn }
  | { type: "Chat"; message: string }
  | { type: "Error"; message: string };

export type Decoded = { ok: true; message: ClientMessage } | { ok: false; reason: string };

const CLIENT_TYPES = new Set(["TLS", "Hello", "Set", "List", "State", "Chat", "Error"]);

/** A message type as a bounded metric label: one of the protocol's seven, or `unknown`. */
export function typeLabel(type: string): string {
  return CLIENT_TYPES.has(type) ? type : "unknown";
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown, max: number): string | undefined =>
  typeof v === "string" ? v.slice(0, max) : undefined;

/** Parses one line (without its line break). Blank lines are `undefined` (ignored, as Syncplay does). */
export function decodeLine(line: string): Decoded | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  if (!isObj(parsed)) return { ok: false, reason: "not a JSON object" };
  const keys = Object.keys(parsed);
  if (keys.length !== 1) return { ok: false, reason: "a message has exactly one top-level key" };
  const type = keys[0]!;
  const body = parsed[type];
  switch (type) {
    case "TLS":
      return isObj(body) ? ok({ type, startTLS: str(body.startTLS, 16) ?? "" }) : bad("TLS");
    case "Hello":
      return decodeHello(body);
    case "Set":
      return isObj(body) ? ok({ type, set: decodeSet(body) }) : bad("Set");
    case "List":
      return ok({ type });
    case "State":
      return isObj(body) ? ok({ type, state: decodeState(body) }) : bad("State");
    case "Chat":
      return typeof body === "string" ? ok({ type, message: body }) : bad("Chat");
    case "Error":
      return ok({ type, message: isObj(body) ? (str(body.message, 500) ?? "") : "" });
    default:
      return { ok: false, reason: `unknown message type ${JSON.stringify(type.slice(0, 40))}` };
  }
}

function ok(message: ClientMessage): Decoded {
  return { ok: true, message };
}
function bad(type: string): Decoded {
  return { ok: false, reason: `malformed ${type}` };
}

function decodeHello(body: unknown): Decoded {
  if (!isObj(body)) return bad("Hello");
  const username = str(body.username, 200)?.trim();
  const room = isObj(body.room) ? str(body.room.name, 200)?.trim() : undefined;
  const version = str(body.realversion, 32) ?? str(body.version, 32);
  if (!username || !room || !version) return { ok: false, reason: "Hello needs username, room and version" };
  const hello: HelloIn = { username, room, version, features: isObj(body.features) ? body.features : {} };
  const password = str(body.password, 4096);
  if (password) hello.password = password;
  return ok({ type: "Hello", hello });
}

function decodeSet(body: Obj): SetIn {
  const set: SetIn = {};
  if (isObj(body.ready) && typeof body.ready.isReady === "boolean") {
    set.ready = { isReady: body.ready.isReady, manuallyInitiated: body.ready.manuallyInitiated === true };
  }
  if (isObj(body.file)) {
    const name = str(body.file.name, 500);
    if (name !== undefined) {
      const file: FileIn = { name };
      const duration = num(body.file.duration);
      const size = num(body.file.size);
      if (duration !== undefined) file.duration = duration;
      if (size !== undefined) file.size = size;
      set.file = file;
    }
  }
  if (isObj(body.playlistIndex)) {
    const index = num(body.playlistIndex.index);
    set.playlistIndex = { index: index === undefined ? null : Math.trunc(index) };
  }
  if (isObj(body.playlistChange) && Array.isArray(body.playlistChange.files)) {
    const files = body.playlistChange.files.slice(0, 500).filter((f): f is string => typeof f === "string");
    set.playlistChange = { files: files.map((f) => f.slice(0, 500)) };
  }
  if (isObj(body.room)) {
    const name = str(body.room.name, 200);
    if (name !== undefined) set.room = { name };
  }
  return set;
}

function decodeState(body: Obj): StateIn {
  const state: StateIn = {};
  if (isObj(body.playstate)) {
    const p = body.playstate;
    const playstate: PlaystateIn = {};
    const position = num(p.position);
    if (position !== undefined) playstate.position = position;
    if (typeof p.paused === "boolean") playstate.paused = p.paused;
    if (p.doSeek === true) playstate.doSeek = true;
    state.playstate = playstate;
  }
  if (isObj(body.ping)) {
    const latency = num(body.ping.latencyCalculation);
    const client = num(body.ping.clientLatencyCalculation);
    const rtt = num(body.ping.clientRtt);
    if (latency !== undefined) state.latencyCalculation = latency;
    if (client !== undefined) state.clientLatencyCalculation = client;
    if (rtt !== undefined) state.clientRtt = rtt;
  }
  if (isObj(body.ignoringOnTheFly)) {
    const server = num(body.ignoringOnTheFly.server);
    const client = num(body.ignoringOnTheFly.client);
    state.ignoringOnTheFly = {};
    if (server !== undefined) state.ignoringOnTheFly.server = server;
    if (client !== undefined) state.ignoringOnTheFly.client = client;
  }
  return state;
}

/** One server message as a line, CRLF included. */
export function encode(message: Record<string, unknown>): string {
  return `${JSON.stringify(message)}\r\n`;
}

/**
 * Cuts incoming bytes into lines. A line longer than `maxBytes` is reported as soon as the
 * buffer passes the limit (nothing more of it is kept), so a client cannot make the server hold
 * more than `maxBytes` of an unfinished line.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes = MAX_LINE_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** The complete lines in `chunk` (decoded as UTF-8), or `tooLong` once a line passes the limit. */
  push(chunk: Buffer): { lines: string[]; tooLong: boolean } {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.maxBytes + 1) return { lines, tooLong: true };
      const whole = this.pending.length ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      lines.push(whole.toString("utf8").replace(/\r$/, ""));
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (this.pendingBytes + rest.length > this.maxBytes + 1) return { lines, tooLong: true };
    if (rest.length) {
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return { lines, tooLong: false };
  }
}

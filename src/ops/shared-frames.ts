/**
 * One WebSocket frame per broadcast payload, written to every member's socket as it is.
 *
 * A patch or a broadcast message goes to every member with the same bytes, and a server's frame
 * is not masked: the frame is the same for every member too. `ws` frames each send anew (an
 * options object, a header buffer, then cork, two writes and uncork: a `writev` per socket).
 * Here the first send of a payload builds its frame (header and payload in one buffer, a copy:
 * Colyseus's encoder reuses its buffer for the next patch) and every send of the same payload
 * in the same turn writes that buffer with one plain write. At 100 members that took a fifth
 * off a host action's broadcast (docs/performance.md).
 *
 * Only on the plain path: an open socket whose sender is idle (nothing queued behind a
 * compression or a Blob read), no permessage-deflate, no callback. Anything else goes through
 * `ws`'s own send, as before. Upstream, `ws` could take a prepared frame (`sendFrame`).
 */
import { WebSocketClient } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";

const FIN_BINARY = 0x82;

/** A final, unmasked binary frame carrying `payload` (RFC 6455 §5.2), in one new buffer. */
export function frameOf(payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = FIN_BINARY;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  frame.set(payload, head);
  return frame;
}

/** What this module reads of `ws`'s internals (8.x); a missing one means: use ws's send. */
interface WsInternals {
  readyState: number;
  _socket?: { write(chunk: Buffer): boolean };
  _sender?: { _state: number; _queue: unknown[] };
  _extensions?: Record<string, unknown>;
}

const OPEN = 1;
const SENDER_IDLE = 0; // ws Sender's DEFAULT state

/** The socket takes a prepared frame now, in order with everything ws wrote before. */
function plainPath(ws: WsInternals): boolean {
  const sender = ws._sender;
  return (
    ws.readyState === OPEN &&
    ws._socket !== undefined &&
    sender !== undefined &&
    sender._state === SENDER_IDLE &&
    sender._queue.length === 0 &&
    (ws._extensions === undefined || Object.keys(ws._extensions).length === 0)
  );
}

/** The last payload framed, for the rest of this turn (a broadcast sends it to everyone in one loop). */
let lastPayload: Uint8Array | undefined;
let lastFrame: Buffer | undefined;
let forgetQueued = false;
const forget = () => {
  lastPayload = lastFrame = undefined;
  forgetQueued = false;
};

function frameFor(payload: Uint8Array): Buffer {
  if (payload !== lastPayload || lastFrame === undefined) {
    lastPayload = payload;
    lastFrame = frameOf(payload);
    if (!forgetQueued) {
      forgetQueued = true;
      queueMicrotask(forget);
    }
  }
  return lastFrame;
}

/** Counts of sends by path, for the tests of this mechanism. */
export const sharedFrameSends = { shared: 0, ws: 0 };

let installed = false;

/** Routes Colyseus's `client.raw()` (patches, broadcasts, messages) through the shared frame. */
export function installSharedFrames(): void {
  if (installed) return;
  installed = true;
  type Raw = (this: Client, data: Uint8Array, options?: unknown, cb?: unknown) => void;
  type Client = { raw: Raw; ref: WebSocket };
  const proto = WebSocketClient.prototype as unknown as Client;
  const wsRaw = proto.raw;
  proto.raw = function (this: Client, data, options, cb) {
    const ws = this.ref as unknown as WsInternals;
    if (options !== undefined || cb !== undefined || !(data instanceof Uint8Array) || !plainPath(ws)) {
      sharedFrameSends.ws++;
      return wsRaw.call(this, data, options, cb);
    }
    sharedFrameSends.shared++;
    ws._socket!.write(frameFor(data));
  };
}

/**
 * Keeps each WebSocket message's buffers in the young generation (issue 13).
 *
 * ws's receiver collects a message's frames in `this._fragments`, and once the message is whole
 * hands that array on and starts a new, empty one. The new array then waits for the socket's next
 * message: 3 s for a member reporting `status`, long enough at 18,000 members (a young collection
 * every ~1.5 s) to be promoted to the old generation. The next message's frame is pushed into it,
 * so an old array holds a young backing store, a Buffer view and the socket read's ArrayBuffer;
 * when that message is done the array is garbage, but only a mark-compact can tell, and until one
 * runs the young collector keeps everything it points to alive and promotes it. A sampling heap
 * profile of what survived young collections at 18,000 members showed exactly these three
 * allocations, ~2.5 MB/s of them, feeding mark-compacts whose marking stalled the event loop.
 *
 * The fix: once the receiver has handed a finished message's array on (the message event has
 * been emitted, or deferred with its own reference to the data), empty that array, so a dead old
 * array points at nothing young. Nothing else changes. Upstream, ws could do the same (or reuse
 * one array per receiver).
 */
import { createRequire } from "node:module";

interface ReceiverProto {
  _fragments: unknown[];
  dataMessage: (this: ReceiverProto, cb: unknown) => void;
}
type ReceiverClass = { prototype: ReceiverProto & { [PATCHED]?: true } };

const PATCHED = Symbol.for("anisync.releaseFragments");

/** ws's Receiver as the WebSocket transport loads it */
export function transportReceiver(): ReceiverClass {
  const fromTransport = createRequire(createRequire(import.meta.url).resolve("@colyseus/ws-transport"));
  return (fromTransport("ws") as { Receiver: ReceiverClass }).Receiver;
}

/** Idempotent. Leaves a ws without `dataMessage` (another major version) as it is. */
export function releaseFragmentsAfterMessage(Receiver: ReceiverClass = transportReceiver()): boolean {
  const proto = Receiver.prototype;
  if (proto[PATCHED]) return true;
  const original = proto.dataMessage;
  if (typeof original !== "function") return false;
  proto.dataMessage = function (this: ReceiverProto, cb: unknown) {
    const fragments = this._fragments;
    original.call(this, cb);
    // a finished message: ws started a new array and no longer reads this one
    if (this._fragments !== fragments) fragments.length = 0;
  };
  proto[PATCHED] = true;
  return true;
}

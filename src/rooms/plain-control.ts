/**
 * The control body players send, `{ action, current_time }` and nothing else, recognised before
 * the zod schema is asked. On a quiet server the host's path runs cold, and every step on it
 * costs tens of microseconds that every member waits for: with this, the host's message reaches
 * the first member's socket ~20 µs sooner (docs/performance.md, the fan-out's "sixth pass").
 * This only recognises: a body it does not recognise as exactly that shape goes to the
 * schema (`controlMessage` in schema/messages.ts, after the stated context), which stays the one
 * judge of what is refused and why. test/unit/plain-control.test.ts holds it to accept nothing
 * the schema refuses and to give what the schema gives.
 */
import { MAX_POSITION_S } from "../../schema/messages.ts";
import type { HostCommand } from "../sync/playback.ts";

/** The command when `body` is exactly a valid play, pause or seek; otherwise undefined. */
export function plainControl(body: unknown): HostCommand | undefined {
  // a plain object, as JSON and msgpack make them: nothing inherited for the schema to see
  if (typeof body !== "object" || body === null || Object.getPrototypeOf(body) !== Object.prototype)
    return undefined;
  if (!Object.hasOwn(body, "action") || !Object.hasOwn(body, "current_time")) return undefined;
  // the two keys and no other of any kind (symbols and hidden keys included)
  if (Reflect.ownKeys(body).length !== 2) return undefined;
  const { action, current_time } = body as { action: unknown; current_time: unknown };
  if (action !== "play" && action !== "pause" && action !== "seek") return undefined;
  // NaN fails both comparisons, ±Infinity one of them
  if (typeof current_time !== "number" || !(current_time >= 0 && current_time <= MAX_POSITION_S))
    return undefined;
  return { action, current_time };
}

/**
 * Child process of loadtest/premiere.ts: holds lean members of one big room. Each sends `status`
 * every 3 s at a random phase; on `chat` the worker's members comment at the given rate; on
 * `watch` every member notes when the first patch holding the given bytes (a seek's position as
 * float64) arrives, in epoch ms (performance.timeOrigin + now: comparable across processes).
 */
import { performance } from "node:perf_hooks";
import { connectLean, encodeMessage, received, reserveSeat, type LeanMember } from "./lean-client.ts";

const STATUS_EVERY_MS = 3000;
/** joins in flight at once (a burst of thousands would only queue in the kernel) */
const JOIN_CONCURRENCY = 100;
const members: LeanMember[] = [];
let watched: Buffer | undefined;
let arrivals: number[] = [];
let chatTimer: NodeJS.Timeout | undefined;

type Command =
  | { cmd: "join"; baseUrl: string; roomId: string; count: number; prefix: string }
  | { cmd: "watch"; pattern: string }
  | { cmd: "arrivals" }
  | { cmd: "chat"; perS: number }
  | { cmd: "traffic" };

const epochMs = () => performance.timeOrigin + performance.now();

function track(m: LeanMember): void {
  let seenFor: Buffer | undefined;
  m.onPatch = (_at, frame) => {
    if (watched && seenFor !== watched && frame.includes(watched)) {
      seenFor = watched;
      arrivals.push(epochMs());
    }
  };
  const status = encodeMessage("status", { current_time: 0, is_playing: false });
  setTimeout(() => {
    m.send(status);
    setInterval(() => m.send(status), STATUS_EVERY_MS);
  }, Math.random() * STATUS_EVERY_MS);
}

async function join(msg: Extract<Command, { cmd: "join" }>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < msg.count) {
      const i = next++;
      const seat = await reserveSeat(msg.baseUrl, msg.roomId, {
        user_id: `${msg.prefix}-${i}`,
        username: `P${i}`,
      });
      const m = await connectLean(msg.baseUrl, seat);
      members.push(m);
      track(m);
    }
  };
  await Promise.all(Array.from({ length: JOIN_CONCURRENCY }, lane));
}

process.on("message", (msg: Command) => void onCommand(msg));

async function onCommand(msg: Command): Promise<void> {
  try {
    switch (msg.cmd) {
      case "join":
        await join(msg);
        break;
      case "watch":
        watched = Buffer.from(msg.pattern, "hex");
        arrivals = [];
        break;
      case "arrivals":
        process.send!({ ok: true, arrivals });
        return;
      case "chat": {
        clearInterval(chatTimer);
        const everyMs = 1000 / msg.perS;
        let n = 0;
        if (msg.perS > 0)
          chatTimer = setInterval(() => {
            const m = members[Math.floor(Math.random() * members.length)];
            m?.send(encodeMessage("comment", { message: `premiere chat ${n++}` }));
          }, everyMs);
        break;
      }
      case "traffic":
        process.send!({ ok: true, members: members.length, ...received });
        return;
    }
    process.send!({ ok: true, members: members.length });
  } catch (err) {
    process.send!({ ok: false, error: String(err) });
  }
}
process.send!({ ready: true });

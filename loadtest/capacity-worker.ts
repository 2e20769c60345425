/**
 * Child process of loadtest/capacity.ts: holds lean members (a process may open only so many
 * sockets) and makes each send `status` every 3 s, at a random phase. Commands arrive over IPC.
 */
import {
  connectLean,
  encodeMessage,
  received,
  reserveSeat,
  type LeanMember,
  type Seat,
} from "./lean-client.ts";

const STATUS_EVERY_MS = 3000;
const members: LeanMember[] = [];
const status = encodeMessage("status", { current_time: 0, is_playing: false });

type Command =
  | { cmd: "join"; baseUrl: string; roomId: string; count: number; prefix: string }
  | { cmd: "host"; baseUrl: string; seat: Seat }
  | { cmd: "traffic" }
  | { cmd: "stop" };

function startReporting(m: LeanMember): void {
  setTimeout(() => {
    m.send(status);
    setInterval(() => m.send(status), STATUS_EVERY_MS);
  }, Math.random() * STATUS_EVERY_MS);
}

process.on("message", (msg: Command) => void onCommand(msg));

/** Answers every command, also a failed one: never rejects. */
async function onCommand(msg: Command): Promise<void> {
  try {
    if (msg.cmd === "stop") process.exit(0);
    if (msg.cmd === "traffic") {
      process.send!({ ok: true, members: members.length, ...received });
      return;
    }
    if (msg.cmd === "host") {
      const m = await connectLean(msg.baseUrl, msg.seat);
      members.push(m);
      startReporting(m);
    } else {
      const joined = await Promise.all(
        Array.from({ length: msg.count }, async (_, i) => {
          const seat = await reserveSeat(msg.baseUrl, msg.roomId, {
            user_id: `${msg.prefix}-${i}`,
            username: `M${i}`,
          });
          return connectLean(msg.baseUrl, seat);
        }),
      );
      for (const m of joined) {
        members.push(m);
        startReporting(m);
      }
    }
    process.send!({ ok: true, members: members.length });
  } catch (err) {
    process.send!({ ok: false, error: String(err) });
  }
}
process.send!({ ready: true });

/**
 * The floor under any fan-out on this machine: a plain `ws` server (no Colyseus, no AniSync)
 * sends one small binary frame to each of N sockets held by reader processes on the same box,
 * as a room's seek patch goes out. Prints, over the rounds, the sender's time to hand the frame
 * to every socket (µs per socket) and the time until the last reader has it. A room of N members
 * cannot get a seek to its last member faster than this here.
 *
 *   node loadtest/socket-write-floor.ts --sockets 10000 --rounds 30
 */
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import WebSocket, { WebSocketServer } from "ws";

const { values: args } = parseArgs({
  options: {
    sockets: { type: "string", default: "10000" },
    rounds: { type: "string", default: "30" },
    readers: { type: "string", default: "2" },
    bytes: { type: "string", default: "60" },
    reader: { type: "string" },
    port: { type: "string" },
  },
});
const epochMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A reader process: holds its sockets, notes when each round's frame (first byte = round) arrives. */
async function reader(count: number, port: number): Promise<void> {
  const arrivals = new Map<number, number[]>();
  let open = 0;
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    ws.on("open", () => open++);
    ws.on("message", (data: Buffer) => {
      const round = data[0]!;
      const list = arrivals.get(round) ?? [];
      list.push(epochMs());
      arrivals.set(round, list);
    });
    if (i % 200 === 199) await sleep(20);
  }
  process.on("message", (msg: { round?: number }) => {
    if (msg.round === undefined) process.send!({ open });
    else process.send!({ arrivals: arrivals.get(msg.round) ?? [] });
  });
  process.send!({ ready: true });
}

function pct(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const N = Number(args.sockets);
  const ROUNDS = Math.min(250, Number(args.rounds));
  const READERS = Number(args.readers);
  const sockets: WebSocket[] = [];
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  wss.on("connection", (ws) => sockets.push(ws));
  await new Promise((r) => wss.once("listening", r));
  const port = (wss.address() as { port: number }).port;
  const readers = Array.from({ length: READERS }, () =>
    fork(import.meta.filename, ["--reader", String(Math.ceil(N / READERS)), "--port", String(port)]),
  );
  const ask = (r: (typeof readers)[number], msg: object) =>
    new Promise<any>((resolve) => {
      r.once("message", resolve);
      r.send(msg);
    });
  await Promise.all(readers.map((r) => new Promise((resolve) => r.once("message", resolve))));
  while (sockets.length < N) await sleep(100);
  await sleep(1000);

  const sendUs: number[] = [];
  const lastMs: number[] = [];
  const frame = Buffer.alloc(Number(args.bytes), 7);
  for (let round = 1; round <= ROUNDS; round++) {
    frame[0] = round;
    const sentAt = epochMs();
    const t0 = performance.now();
    for (const ws of sockets) ws.send(frame, { binary: true });
    sendUs.push(((performance.now() - t0) * 1000) / N);
    await sleep(500);
    const got = (await Promise.all(readers.map((r) => ask(r, { round })))).flatMap((a) => a.arrivals);
    if (got.length === N) lastMs.push(Math.max(...got) - sentAt);
  }
  sendUs.sort((a, b) => a - b);
  lastMs.sort((a, b) => a - b);
  console.log(
    `${N} sockets, ${READERS} reader processes, ${frame.length}-byte frames, ${ROUNDS} rounds (${lastMs.length} complete within 0.5 s)`,
  );
  console.log(`sender: µs per socket p50 ${pct(sendUs, 0.5).toFixed(2)} / max ${sendUs.at(-1)!.toFixed(2)}`);
  if (lastMs.length)
    console.log(
      `send → last reader has it: p50 ${pct(lastMs, 0.5).toFixed(1)} / p99 ${pct(lastMs, 0.99).toFixed(1)} / max ${lastMs.at(-1)!.toFixed(1)} ms`,
    );
  for (const r of readers) r.kill();
  wss.close();
  process.exit(0);
}

if (args.reader) await reader(Number(args.reader), Number(args.port));
else await main();

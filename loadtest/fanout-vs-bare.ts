/**
 * AniSync's host-seek fan-out against a bare Colyseus room in one run: both servers start once
 * (AniSync as `npm start` runs it, on PGlite or DATABASE_URL; loadtest/bare-colyseus.ts), then
 * rounds alternate between them at each size, the same harness (loadtest/fanout-measure.ts)
 * measuring host send → last member's state change. Prints each side's p50/p95/p99 over all its
 * rounds and the ratio of the p50s (AniSync / bare: at most 1.0 means AniSync is as fast or faster).
 *
 *   npm run bench:fanout-vs-bare                                   # 100 and 1,000 members
 *   npm run bench:fanout-vs-bare -- --sizes 100 --rounds 6 --seeks 50
 *   npm run bench:fanout-vs-bare -- --pin --pairs 3                # three fresh pairs of servers, pooled
 *
 * --pin puts both servers on CPU 0 and the load generator on CPU 1 (Linux `taskset`), as when the
 * members are on other machines. --pairs N starts both servers afresh N times and runs the rounds
 * on each pair: the ratio moves by about ±5 % from one pair of processes to the next on the same
 * code, so each pair's ratio is printed and then all seeks pooled.
 *
 * Up to --sdk-max members (default 200) are @colyseus/sdk clients (decoded state change); above
 * it lean clients (patch frame arrival), as one process cannot decode 1,000 states fairly.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort, startServerProcess } from "../test/helpers/process.ts";
import { percentile } from "../test/helpers/stats.ts";
import { NODE_FLAGS } from "../src/ops/node-flags.ts";
import { measureFanout } from "./fanout-measure.ts";
import { LOADTEST_LIMITS } from "./limits.ts";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "100,1000" },
    rounds: { type: "string", default: "4" },
    seeks: { type: "string", default: "40" },
    gap: { type: "string", default: "50" },
    "sdk-max": { type: "string", default: "200" },
    pin: { type: "boolean", default: false },
    pairs: { type: "string", default: "1" },
  },
});
const SIZES = args.sizes.split(",").map(Number);
const ROUNDS = Number(args.rounds);
const PAIRS = Number(args.pairs);
if (!Number.isInteger(PAIRS) || PAIRS < 1)
  throw new Error(`--pairs must be a whole number ≥ 1 (got ${args.pairs})`);

async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, "loadtest/bare-colyseus.ts", "--port", String(port)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => String(d).includes("listening") && resolve());
    child.on("exit", (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

interface Target {
  name: "AniSync" | "bare Colyseus";
  url: string;
}
/** per server: host seek → last and → first member, ms */
type Sides = Record<Target["name"], { last: number[]; first: number[] }>;
/** per size */
type Samples = Map<number, Sides>;

function noSamples(): Sides {
  return { AniSync: { last: [], first: [] }, "bare Colyseus": { last: [], first: [] } };
}

/** Both servers afresh, `ROUNDS` alternating rounds at each size; adds to `pooled`. */
async function runPair(pair: number, pooled: Samples): Promise<void> {
  const anisync = await startServerProcess({
    DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-bare-")),
    LOG_LEVEL: "warn",
    AUTH_MODE: "open",
    MAX_MEMBERS_PER_ROOM: String(Math.max(2000, ...SIZES.map((s) => s + 10))),
    ...LOADTEST_LIMITS,
  });
  const bare = await startBare();
  if (args.pin) {
    for (const pid of [anisync.child.pid, bare.child.pid])
      execFileSync("taskset", ["-a", "-p", "-c", "0", String(pid)], { stdio: "ignore" });
    execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
    if (pair === 0) console.log("pinned: both servers on CPU 0, the load generator on CPU 1");
  }
  const targets: Target[] = [
    { name: "AniSync", url: anisync.baseUrl },
    { name: "bare Colyseus", url: bare.url },
  ];
  try {
    for (const members of SIZES) {
      const lean = members > Number(args["sdk-max"]);
      const here = noSamples();
      for (let r = 0; r < ROUNDS; r++) {
        // alternate which goes first, so neither always runs on a warmer or cooler box
        const order = r % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) {
          const res = await measureFanout(t.url, {
            members,
            seeks: Number(args.seeks),
            gapMs: Number(args.gap),
            lean,
          });
          here[t.name].last.push(...res.lastMemberMs);
          here[t.name].first.push(...res.firstMemberMs);
        }
      }
      const all = pooled.get(members) ?? noSamples();
      for (const t of targets) {
        all[t.name].last.push(...here[t.name].last);
        all[t.name].first.push(...here[t.name].first);
      }
      pooled.set(members, all);
      if (PAIRS > 1)
        console.log(`pair ${pair + 1}: ${members} members, ratio of p50s ${ratioOf(here).toFixed(2)}`);
    }
  } finally {
    bare.child.kill();
    await anisync.stop();
  }
}

function ratioOf(s: Sides): number {
  return percentile(s.AniSync.last, 50) / percentile(s["bare Colyseus"].last, 50);
}

async function main(): Promise<void> {
  const pooled: Samples = new Map();
  for (let pair = 0; pair < PAIRS; pair++) await runPair(pair, pooled);
  const f = (x: number) => x.toFixed(2);
  for (const [members, sides] of pooled) {
    const lean = members > Number(args["sdk-max"]);
    console.log(
      `${members} members (${lean ? "lean clients: patch arrival" : "@colyseus/sdk clients: decoded state"}), ${ROUNDS} rounds each${PAIRS > 1 ? ` on each of ${PAIRS} pairs of servers` : ""}, alternating:`,
    );
    for (const name of ["AniSync", "bare Colyseus"] as const) {
      const { last, first } = sides[name];
      console.log(
        `  ${name.padEnd(13)} host seek → last member: p50 ${f(percentile(last, 50))} · p95 ${f(percentile(last, 95))} · p99 ${f(percentile(last, 99))} ms (${last.length} seeks); first member p50 ${f(percentile(first, 50))} ms`,
      );
    }
    console.log(`  ratio of p50s (AniSync / bare): ${ratioOf(sides).toFixed(2)}`);
  }
}

await main();
process.exit(0);

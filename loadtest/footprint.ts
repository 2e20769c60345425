/**
 * The server process's footprint: time from spawn to the first 200 from /health, RSS once idle
 * and peak RSS, for each way the server starts.
 *
 *   npm run bench:footprint                      # all cases, idle 20 s
 *   npm run bench:footprint -- --idle 5 --cases pglite-first
 *   npm run bench:footprint -- --node-arg=--cpu-prof --node-arg=--cpu-prof-dir=/tmp/prof
 *
 * Each case starts `src/index.ts` as `npm start` does (same Node, a child process on a free port,
 * LOG_LEVEL=warn), polls /health every 10 ms, waits --idle seconds after the first 200, reads
 * VmRSS and VmHWM from /proc/<pid>/status, then stops the server with SIGTERM. Meanwhile it sums
 * the RSS of the server and of its child processes every few ms, since a child's memory is not in
 * the server's VmHWM (the server starts none while starting up; the column shows that). Cases:
 *   postgres      DATABASE_URL = a throwaway database on --pg (created empty, dropped afterwards)
 *   pglite-first  embedded PGlite in a fresh temporary DATA_DIR: copies the empty cluster npm
 *                 install made (src/db/pglite-template.ts), migrations run
 *   pglite-later  PGlite again on the same DATA_DIR (already initialised)
 *   pglite-initdb a fresh DATA_DIR with PGLITE_TEMPLATE=false: initdb runs (as without a template)
 * --node-arg flags go on the child's command line (e.g. --cpu-prof, --heap-prof; --cpu-prof is
 * not allowed in NODE_OPTIONS).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { freePort } from "../test/helpers/process.ts";
import { NODE_FLAGS } from "../src/ops/node-flags.ts";

const ALL_CASES = ["postgres", "pglite-first", "pglite-later", "pglite-initdb"] as const;
type Case = (typeof ALL_CASES)[number];

const { values: args } = parseArgs({
  options: {
    idle: { type: "string", default: "20" },
    cases: { type: "string", default: ALL_CASES.join(",") },
    pg: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    "node-arg": { type: "string", multiple: true, default: [] },
  },
});
const IDLE_S = Number(args.idle);
const CASES = args.cases.split(",").map((c) => c.trim()) as Case[];
for (const c of CASES) if (!ALL_CASES.includes(c)) throw new Error(`unknown case ${c}; one of ${ALL_CASES}`);
const ROOT = path.join(import.meta.dirname, "..");
/** how often the server's and its children's RSS are summed */
const SAMPLE_MS = 5;

interface Figures {
  case: Case;
  healthMs: number;
  /** CPU time (user + system, all threads) the server used until /health answered */
  cpuMs: number;
  rssAtHealthMb: number;
  idleRssMb: number;
  peakRssMb: number;
  /** the highest sum of the server's RSS and its child processes', sampled */
  peakWithChildrenMb: number;
}

/** user + system CPU time of a process, in ms (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms) */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function procStatusMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb("VmRSS") / 1024, hwm: kb("VmHWM") / 1024 };
}

/** RSS of a process and of its children, MiB (0 for a process that is gone) */
function rssWithChildrenMb(pid: number): number {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    const own = procStatusMb(pid).rss; // NaN: gone between the two reads
    if (!Number.isFinite(own)) return 0;
    return own + children.reduce((sum, c) => sum + rssWithChildrenMb(Number(c)), 0);
  } catch {
    return 0;
  }
}

async function measure(name: Case, env: Record<string, string>): Promise<Figures> {
  const port = await freePort();
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // the case decides the database; nothing of the caller's cluster or database leaks in
    if (v !== undefined && !["DATABASE_URL", "DATA_DIR", "REDIS_URL", "PUBLIC_ADDRESS"].includes(k)) {
      childEnv[k] = v;
    }
  }
  Object.assign(childEnv, env, { PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" });
  const t0 = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, ...args["node-arg"], "src/index.ts"], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let peakWithChildrenMb = 0;
  const sampler = setInterval(() => {
    peakWithChildrenMb = Math.max(peakWithChildrenMb, rssWithChildrenMb(child.pid!));
  }, SAMPLE_MS);
  try {
    const until = t0 + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${name}: server exited early (${child.exitCode}):\n${out}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (performance.now() > until) throw new Error(`${name}: no 200 from /health in 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const healthMs = performance.now() - t0;
    const cpuAtHealthMs = cpuMs(child.pid!);
    const atHealth = procStatusMb(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idle = procStatusMb(child.pid!);
    clearInterval(sampler);
    return {
      case: name,
      healthMs,
      cpuMs: cpuAtHealthMs,
      rssAtHealthMb: atHealth.rss,
      idleRssMb: idle.rss,
      peakRssMb: idle.hwm,
      // the sampler can miss the server's own peak between two samples; its VmHWM cannot
      peakWithChildrenMb: Math.max(peakWithChildrenMb, idle.hwm),
    };
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    if (out.trim()) process.stderr.write(`[${name}] ${out.trim()}\n`);
  }
}

async function withThrowawayDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: args.pg });
  await admin.connect();
  const name = `anisync_footprint_${process.pid}_${Date.now()}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(args.pg);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await admin.end();
  }
}

async function main(): Promise<void> {
  const results: Figures[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), "anisync-footprint-"));
  try {
    for (const c of CASES) {
      if (c === "postgres") {
        results.push(await withThrowawayDatabase((url) => measure(c, { DATABASE_URL: url })));
      } else if (c === "pglite-initdb") {
        const own = mkdtempSync(path.join(tmpdir(), "anisync-footprint-"));
        results.push(
          await measure(c, { DATA_DIR: own, PGLITE_TEMPLATE: "false" }).finally(() =>
            rmSync(own, { recursive: true, force: true }),
          ),
        );
      } else {
        // pglite-later alone still needs an initialised directory
        if (c === "pglite-later" && !CASES.includes("pglite-first")) {
          await measure("pglite-first", { DATA_DIR: dataDir });
        }
        results.push(await measure(c, { DATA_DIR: dataDir }));
      }
      const r = results.at(-1)!;
      console.log(
        `${r.case.padEnd(13)} | ${r.healthMs.toFixed(0).padStart(9)} | ${r.cpuMs.toFixed(0).padStart(10)} | ${r.rssAtHealthMb.toFixed(0).padStart(13)} | ${r.idleRssMb.toFixed(0).padStart(11)} | ${r.peakRssMb.toFixed(0).padStart(12)} | ${r.peakWithChildrenMb.toFixed(0).padStart(12)}`,
      );
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`Node ${process.version}, idle ${args.idle} s; MB = MiB`);
console.log(
  "case          | health ms | CPU ms (*) | RSS at health | idle RSS MB | peak (VmHWM) | peak + children (**)",
);
await main();
console.log("(*) CPU time the server used until /health answered: user + system, all its threads");
console.log(
  `(**) the highest sum of the server's RSS and its child processes', sampled every ${SAMPLE_MS} ms`,
);

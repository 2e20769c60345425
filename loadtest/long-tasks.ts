/**
 * Long tasks in a V8 CPU profile: stretches where the event loop never went idle for longer
 * than --min-ms, each with the functions its samples spent the most time in.
 *
 *   npm run loadtest:capacity -- --steps 18000 --cpu-prof /tmp/prof
 *   node loadtest/long-tasks.ts /tmp/prof/CPU.*.cpuprofile [--min-ms 50] [--from-s 120] [--top 8]
 *
 * --from-s skips the profile's first seconds (start-up and joins). Frames are counted once per
 * sample even when recursive; "(garbage collector)" and "(program)" count as busy.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface LongTask {
  startMs: number;
  durationMs: number;
  /** frame label → ms of the task's samples with that frame on the stack */
  total: Map<string, number>;
  /** frame label → ms of the task's samples with that frame at the top */
  self: Map<string, number>;
}

const label = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anonymous)"} ${path.basename(n.callFrame.url || "")}:${n.callFrame.lineNumber + 1}`;

/** Splits the profile into busy stretches and returns those longer than `minMs`. */
export function longTasks(profile: Profile, minMs: number, fromMs = 0): LongTask[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const tasks: LongTask[] = [];
  let t = 0;
  let current: { startMs: number; samples: Array<{ id: number; ms: number }> } | undefined;
  const close = (endMs: number) => {
    if (current && endMs - current.startMs >= minMs && current.startMs >= fromMs) {
      const task: LongTask = {
        startMs: current.startMs,
        durationMs: endMs - current.startMs,
        total: new Map(),
        self: new Map(),
      };
      for (const { id, ms } of current.samples) {
        const leaf = label(byId.get(id)!);
        task.self.set(leaf, (task.self.get(leaf) ?? 0) + ms);
        const seen = new Set<string>();
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          const l = label(byId.get(at)!);
          if (seen.has(l)) continue;
          seen.add(l);
          task.total.set(l, (task.total.get(l) ?? 0) + ms);
        }
      }
      tasks.push(task);
    }
    current = undefined;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]! / 1000;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const id = profile.samples[i]!;
    if (byId.get(id)!.callFrame.functionName === "(idle)") close(t);
    else (current ??= { startMs: t, samples: [] }).samples.push({ id, ms });
  }
  close(t);
  return tasks;
}

const top = (m: Map<string, number>, n: number) =>
  [...m]
    .filter(([l]) => !l.startsWith("(root)"))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([l, ms]) => `      ${ms.toFixed(0).padStart(5)} ms  ${l}`)
    .join("\n");

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "min-ms": { type: "string", default: "50" },
      "from-s": { type: "string", default: "0" },
      top: { type: "string", default: "8" },
    },
  });
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
    const tasks = longTasks(profile, Number(values["min-ms"]), Number(values["from-s"]) * 1000);
    const n = Number(values.top);
    console.log(`${file}: ${tasks.length} tasks over ${values["min-ms"]} ms`);
    for (const task of tasks) {
      console.log(`  at ${(task.startMs / 1000).toFixed(2)} s: ${task.durationMs.toFixed(0)} ms`);
      console.log(`    self:\n${top(task.self, n)}`);
      console.log(`    total:\n${top(task.total, n)}`);
    }
  }
}

/**
 * Shared by the benchmarks that hold members in child processes (capacity, premiere): start a
 * worker and ask it things over IPC one at a time, and read a server process's RSS and CPU
 * time from /proc.
 */
import { fork, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";

const CLK_TCK = 100; // Linux USER_HZ

export const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);

/** user + system CPU seconds of a process so far */
export const cpuS = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
};

export interface ProcWorker {
  child: ChildProcess;
  members: number;
  /** one question at a time: the worker answers each command once */
  ask<T = { ok: boolean; error?: string }>(msg: object): Promise<T>;
}

/** Forks `file` and resolves once it said it is ready (its first message). */
export function startWorker(file: string): Promise<ProcWorker> {
  const child = fork(file, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let pending: ((v: any) => void) | undefined;
  child.on("message", (m: any) => {
    const p = pending;
    pending = undefined;
    p?.(m);
  });
  const worker: ProcWorker = {
    child,
    members: 0,
    ask: (msg) =>
      new Promise((resolve) => {
        pending = resolve;
        child.send(msg);
      }),
  };
  return new Promise((resolve) => {
    pending = () => resolve(worker);
  });
}

export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

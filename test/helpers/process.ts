/** Starts `npm start`'s entry point (with its Node flags) as a real child process, for restart and cluster tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { NODE_FLAGS } from "../../src/ops/node-flags.ts";

export interface ServerProcess {
  port: number;
  baseUrl: string;
  child: ChildProcess;
  output: () => string;
  /** sends the signal and resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/**
 * `port`: listen there (a restart on the same address); default a free one. `nodeArgs`: flags
 * for Node itself (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry on Node 24).
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  opts: { port?: number; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const port = opts.port ?? (await freePort());
  const clean: Record<string, string> = {};
  // PUBLIC_ADDRESS "auto": this process's own address, as a cluster member announces it
  const publicAddress = env.PUBLIC_ADDRESS === "auto" ? `127.0.0.1:${port}` : env.PUBLIC_ADDRESS;
  for (const [k, v] of Object.entries({
    ...process.env,
    ...env,
    PUBLIC_ADDRESS: publicAddress,
    PORT: String(port),
    HOST: "127.0.0.1",
  })) {
    if (v !== undefined) clean[k] = v;
  }
  const child = spawn(process.execPath, [...NODE_FLAGS, ...(opts.nodeArgs ?? []), "src/index.ts"], {
    env: clean,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;

  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`server did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    baseUrl,
    child,
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Lines of a process's output that are not one JSON object each. */
export function rawLines(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .filter((line) => {
      try {
        const v = JSON.parse(line);
        return !(v && typeof v === "object" && !Array.isArray(v));
      } catch {
        return true;
      }
    });
}

/**
 * Server processes a test started, killed after each test of the suite that calls this (also when
 * the test failed or timed out), so no test leaves a child process behind. A test that stops its
 * processes itself (to assert the exit) still does; the hook then finds them gone.
 */
export function stoppedAfterEach(): ServerProcess[] {
  const processes: ServerProcess[] = [];
  afterEach(async () => {
    await Promise.all(
      processes
        .splice(0)
        .map((p) =>
          p.child.exitCode === null && p.child.signalCode === null ? p.stop("SIGKILL") : undefined,
        ),
    );
  });
  return processes;
}

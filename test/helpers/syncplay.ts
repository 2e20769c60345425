/**
 * Debian's real Syncplay client (`syncplay --no-gui`) driving a headless mpv, for tests and the
 * Syncplay benchmark. Each client gets its own HOME (Syncplay writes its ini there), and mpv's
 * JSON IPC socket is passed through so a test can read and act in the player as a viewer would.
 * Stopping follows what works with 1.6.9: close the client's stdin, `quit` mpv over IPC, then
 * kill by PID whatever is left.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const SYNCPLAY_PACKAGES = "syncplay mpv ffmpeg";

function onPath(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Whether the real client can run here; with ANISYNC_REQUIRE_SYNCPLAY=1 its absence is an error. */
export function syncplayAvailable(): boolean {
  const present = ["syncplay", "mpv", "ffmpeg"].every(onPath);
  if (!present && process.env.ANISYNC_REQUIRE_SYNCPLAY === "1") {
    throw new Error(`ANISYNC_REQUIRE_SYNCPLAY=1 but the Debian packages are missing: ${SYNCPLAY_PACKAGES}`);
  }
  return present;
}

/** Skips the suite (one line naming the packages) when the client is not installed. */
export function skipWithoutSyncplay(ctx: Mocha.Context): void {
  if (syncplayAvailable()) return;
  console.log(`    skipped: the real Syncplay client needs the Debian packages ${SYNCPLAY_PACKAGES}`);
  ctx.skip();
}

const made = new Map<string, string>();
/** A test video (tone, counter pattern) made once per machine with ffmpeg: 300 s at 10 fps unless told. */
export function testVideo(seconds = 300, fps = 10): string {
  const file = path.join(tmpdir(), `anisync-test-${seconds}s-${fps}fps.mp4`);
  if (made.has(file)) return file;
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.part.mp4`;
    execFileSync(
      "ffmpeg",
      [
        ...[
          "-loglevel",
          "error",
          "-y",
          "-f",
          "lavfi",
          "-i",
          `testsrc=size=160x120:rate=${fps}:duration=${seconds}`,
        ],
        ...["-f", "lavfi", "-i", `sine=frequency=440:duration=${seconds}`],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", tmp],
      ],
      { stdio: "ignore" },
    );
    renameSync(tmp, file);
  }
  made.set(file, file);
  return file;
}

export interface MpvEvent {
  event: string;
  name?: string;
  data?: unknown;
}

/** mpv's JSON IPC: one JSON object per line, request ids matched to answers. */
export class MpvIpc {
  private buf = "";
  private nextId = 1;
  private readonly waiting = new Map<number, (v: { error: string; data?: unknown }) => void>();
  private readonly listeners = new Set<(e: MpvEvent) => void>();
  private readonly socket: Socket;
  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { request_id?: number; error: string; data?: unknown };
          if (msg.request_id !== undefined) {
            this.waiting.get(msg.request_id)?.(msg);
            this.waiting.delete(msg.request_id);
          } else if ("event" in msg) {
            for (const listener of this.listeners) listener(msg as unknown as MpvEvent);
          }
        } catch {
          /* not ours */
        }
      }
    });
    socket.on("error", () => {});
  }

  static async connect(file: string, timeoutMs = 20_000): Promise<MpvIpc> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<Socket>((resolve, reject) => {
          const s = connect(file, () => resolve(s));
          s.once("error", reject);
        });
        return new MpvIpc(socket);
      } catch (err) {
        if (Date.now() > until) throw new Error(`mpv IPC socket ${file} did not open`, { cause: err });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  command(...args: unknown[]): Promise<unknown> {
    const request_id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request_id);
        reject(new Error(`mpv did not answer ${JSON.stringify(args)}`));
      }, 5000);
      this.waiting.set(request_id, (msg) => {
        clearTimeout(timer);
        if (msg.error === "success") resolve(msg.data);
        else reject(new Error(`mpv ${JSON.stringify(args)}: ${msg.error}`));
      });
      this.socket.write(`${JSON.stringify({ command: args, request_id })}\n`);
    });
  }

  /** mpv's events (`seek`, `property-change` of observed properties, …) as they arrive; returns an unsubscribe */
  onEvent(listener: (e: MpvEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async position(): Promise<number | undefined> {
    try {
      const v = await this.command("get_property", "time-pos");
      return typeof v === "number" ? v : undefined;
    } catch {
      return undefined;
    }
  }
  async paused(): Promise<boolean | undefined> {
    try {
      return (await this.command("get_property", "pause")) as boolean;
    } catch {
      return undefined;
    }
  }
  close(): void {
    this.socket.destroy();
  }
}

export interface SyncplayClient {
  name: string;
  child: ChildProcess;
  mpv: MpvIpc;
  output: () => string;
  /** a line on the client's stdin (`p`, `s 30`, `ch hello`, `t`, `l`) */
  type(line: string): void;
  stop(): Promise<void>;
}

export interface SyncplayClientOptions {
  port: number;
  name: string;
  room: string;
  password?: string;
  file?: string;
  /** Syncplay's media directories (where it looks for a playlist entry's file) */
  mediaDirs?: string[];
  /** mpv starts this much later (a loaded machine: the client says nothing meanwhile) */
  playerDelayS?: number;
  /** don't wait for mpv's socket (a client that will be refused) */
  noPlayer?: boolean;
}

/** Starts `syncplay --no-gui` with mpv headless; resolves once mpv's IPC socket is open. */
export async function startSyncplay(opts: SyncplayClientOptions): Promise<SyncplayClient> {
  const home = mkdtempSync(path.join(tmpdir(), "anisync-syncplay-"));
  mkdirSync(path.join(home, ".config"), { recursive: true });
  if (opts.mediaDirs) {
    // the client reads its settings from here (--no-store only keeps it from writing them)
    writeFileSync(
      path.join(home, ".config", "syncplay.ini"),
      `[client_settings]\nmediaSearchDirectories = ${JSON.stringify(opts.mediaDirs)}\n`,
    );
  }
  const sock = path.join(home, "mpv.sock");
  const args = [
    ...(process.env.ANISYNC_SYNCPLAY_DEBUG ? ["--debug"] : []),
    ...[
      "--no-gui",
      "--no-store",
      "-a",
      `127.0.0.1:${opts.port}`,
      `--name=${opts.name}`,
      `--room=${opts.room}`,
    ],
    ...(opts.password ? [`--password=${opts.password}`] : []),
    ...["--player-path", playerPath(home, opts.playerDelayS), opts.file ?? testVideo()],
    ...["--", "--vo=null", "--ao=null", `--input-ipc-server=${sock}`],
  ];
  const child = spawn("syncplay", args, {
    env: {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      QT_QPA_PLATFORM: "offscreen",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  child.stdin!.on("error", () => {});
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.stdin!.end();
    await mpvIpc?.command("quit").catch(() => {});
    mpvIpc?.close();
    const gone = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
    if (!gone) child.kill("SIGKILL");
    if (mpvPid) killPid(mpvPid);
    rmSync(home, { recursive: true, force: true });
  };
  let mpvIpc: MpvIpc | undefined;
  let mpvPid: number | undefined;
  if (opts.noPlayer) {
    return {
      name: opts.name,
      child,
      mpv: undefined as unknown as MpvIpc,
      output: () => out,
      type: () => {},
      stop,
    };
  }
  try {
    mpvIpc = await MpvIpc.connect(sock);
    mpvPid = (await mpvIpc.command("get_property", "pid")) as number;
  } catch (err) {
    await stop();
    throw new Error(`syncplay did not start mpv:\n${out}`, { cause: err });
  }
  return {
    name: opts.name,
    child,
    mpv: mpvIpc,
    output: () => out,
    type: (line) => {
      if (child.stdin!.writable) child.stdin!.write(`${line}\n`);
    },
    stop,
  };
}

/** mpv, or a script named mpv (Syncplay picks its player by the name) that starts it `delayS` later. */
function playerPath(home: string, delayS?: number): string {
  if (!delayS) return "/usr/bin/mpv";
  const dir = path.join(home, "bin");
  mkdirSync(dir);
  const script = path.join(dir, "mpv");
  // Syncplay runs `mpv --version` first: that answers at once
  const body = `[ "$1" = --version ] || sleep ${delayS}\nexec /usr/bin/mpv "$@"\n`;
  writeFileSync(script, `#!/bin/sh\n${body}`, { mode: 0o755 });
  return script;
}

/** The mpv that Syncplay started, by the PID it told us over IPC, if it is still there. */
function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Clients a test started, stopped after each test of the suite that calls this (their output printed when it failed). */
export function syncplayStoppedAfterEach(): SyncplayClient[] {
  const clients: SyncplayClient[] = [];
  afterEach(async function () {
    if (this.currentTest?.state === "failed") {
      for (const c of clients) console.log(`--- syncplay client ${c.name}:\n${c.output().slice(-20000)}`);
    }
    await Promise.all(clients.splice(0).map((c) => c.stop()));
  });
  return clients;
}

/** A bare TCP Syncplay client (no player): sends lines, keeps every message the server sent. */
export interface RawSyncplay {
  socket: Socket;
  messages: Record<string, any>[];
  /** answers every State as a player that follows the room at once (default true) */
  following: boolean;
  /** resolves when the server closed the connection */
  closed: Promise<void>;
  send(message: Record<string, unknown> | string): void;
  /** the first message (already received or coming) that `match` accepts */
  next(match: (m: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /** TLS probe + Hello; resolves with the server's Hello, or rejects with its Error's text */
  hello(room: string, username: string, password?: string): Promise<Record<string, any>>;
  end(): void;
}

/** `localAddress`: connect from this loopback address (127.x.y.z), so per-address limits count it alone. */
export async function rawSyncplay(port: number, localAddress = "127.0.0.1"): Promise<RawSyncplay> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ port, host: "127.0.0.1", localAddress }, () => resolve(s));
    s.once("error", reject);
  });
  socket.on("error", () => {});
  const messages: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  let buf = "";
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const m = JSON.parse(line) as Record<string, any>;
      messages.push(m);
      if (m.State && raw.following) raw.send(followingAnswer(m.State));
    }
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const raw: RawSyncplay = {
    socket,
    messages,
    closed,
    following: true,
    send: (m) => socket.write(typeof m === "string" ? m : `${JSON.stringify(m)}\r\n`),
    next: (match, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < messages.length; seen++) {
            if (match(messages[seen]!)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(messages[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(-1500)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    hello: async (room, username, password) => {
      raw.send({ TLS: { startTLS: "send" } });
      await raw.next((m) => "TLS" in m);
      const hello: Record<string, unknown> = {
        username,
        room: { name: room },
        version: "1.2.255",
        realversion: "1.6.9",
        features: {
          sharedPlaylists: true,
          chat: true,
          featureList: true,
          readiness: true,
          managedRooms: true,
        },
      };
      if (password) hello.password = password;
      raw.send({ Hello: hello });
      const answer = await raw.next((m) => "Hello" in m || "Error" in m, 10_000);
      if ("Error" in answer) throw new Error(String(answer.Error.message));
      return answer.Hello as Record<string, any>;
    },
    end: () => socket.destroy(),
  };
  return raw;
}

/** What a player that is exactly where the server said answers (echoes included). */
function followingAnswer(state: Record<string, any>): Record<string, unknown> {
  const answer: Record<string, any> = {
    ping: { latencyCalculation: state.ping?.latencyCalculation, clientRtt: 0 },
  };
  if (state.playstate)
    answer.playstate = { position: state.playstate.position, paused: state.playstate.paused };
  if (state.ignoringOnTheFly?.server) answer.ignoringOnTheFly = { server: state.ignoringOnTheFly.server };
  return { State: answer };
}

/** Raw clients a test opened, closed after each test of the suite that calls this. */
export function rawClosedAfterEach(): RawSyncplay[] {
  const raws: RawSyncplay[] = [];
  afterEach(() => {
    for (const r of raws.splice(0)) r.end();
  });
  return raws;
}

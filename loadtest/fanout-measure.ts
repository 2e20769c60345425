/**
 * One fan-out measurement against a running server (AniSync or loadtest/bare-colyseus.ts):
 * a host and `members - 1` members in a new room, `seeks` host seeks, and for each the time from
 * the host's send to the last member's state change (SDK clients: decoded state; lean clients:
 * patch frame arrival). Clients live in this process, so send and receive share one clock.
 */
import { performance } from "node:perf_hooks";
import { Client } from "@colyseus/sdk";
import { joinLean } from "./lean-client.ts";

export interface FanoutOptions {
  members: number;
  seeks: number;
  gapMs: number;
  lean: boolean;
}

export interface FanoutResult {
  joinMs: number;
  /** per seek: host send → last member's state change */
  lastMemberMs: number[];
  /** per seek: host send → first member's state change (the server's own delay and one decode) */
  firstMemberMs: number[];
  /** per seek and member: host send → that member's state change */
  anyMemberMs: number[];
}

// a member's welcome can arrive before its handler is attached; nothing here reads it
const warn = console.warn;
console.warn = (...xs: unknown[]) => {
  if (!String(xs[0]).includes("onMessage() not registered")) warn(...xs);
};

export async function measureFanout(url: string, opts: FanoutOptions): Promise<FanoutResult> {
  const { members: MEMBERS, seeks: SEEKS, gapMs: GAP_MS, lean: LEAN } = opts;
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const host = await new Client(url).create("watch_party", {
    title: "load",
    anime_id: `load-${run}`,
    anime_title: "Load",
    episode_number: 1,
    video_url: "https://videos.example/load.webm",
    host_user_id: `host-${run}`,
    host_username: "Host",
  });

  host.onMessage("*", () => {});
  const joinStart = performance.now();
  // every member reports the first time it sees the current round's seek
  let round: { seq: number; sentAt: number; seen: Map<number, number>; done: () => void } | undefined;
  const report = (member: number, seq: number | undefined, at: number) => {
    if (!round || round.seen.has(member) || at < round.sentAt) return;
    if (seq !== undefined && seq !== round.seq) return;
    round.seen.set(member, at - round.sentAt);
    if (round.seen.size === MEMBERS - 1) round.done();
  };
  const closers: Array<() => unknown> = [];
  const BATCH = 50;
  for (let i = 1; i < MEMBERS; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, MEMBERS - i) }, (_, j) => i + j);
    if (LEAN) {
      const lean = await Promise.all(
        ids.map((n) => joinLean(url!, host.roomId, { user_id: `m${n}-${run}`, username: `M${n}` })),
      );
      lean.forEach((m, k) => {
        m.onPatch = (at) => report(ids[k]!, undefined, at);
        closers.push(() => m.close());
      });
    } else {
      const rooms = await Promise.all(
        ids.map((n) => new Client(url).joinById(host.roomId, { user_id: `m${n}-${run}`, username: `M${n}` })),
      );
      rooms.forEach((room, k) => {
        room.onStateChange((state: any) => report(ids[k]!, state.playback.seq, performance.now()));
        closers.push(() => room.leave());
      });
    }
  }
  // AniSync above AUDIENCE_MODE_ABOVE shows a few members and counts them all; the bare room shows all
  const seated = () => (host.state.member_count as number | undefined) ?? host.state.members?.size;
  await waitFor(() => seated() === MEMBERS, 60_000);
  const joinMs = performance.now() - joinStart;
  await new Promise((r) => setTimeout(r, 500)); // let the join patches drain

  const lastMemberMs: number[] = [];
  const firstMemberMs: number[] = [];
  const anyMemberMs: number[] = [];
  for (let s = 0; s < SEEKS; s++) {
    const seq = host.state.playback.seq + 1;
    const finished = new Promise<void>((done) => {
      round = { seq, sentAt: performance.now(), seen: new Map(), done };
    });
    host.send("control", { action: "seek", current_time: 10 + s * 7.5 });
    await withTimeout(finished, 10_000);
    const times = [...round!.seen.values()];
    lastMemberMs.push(Math.max(...times));
    firstMemberMs.push(Math.min(...times));
    anyMemberMs.push(...times);
    round = undefined;
    await new Promise((r) => setTimeout(r, GAP_MS));
  }

  await Promise.all(
    [host.leave(), ...closers.map(async (c) => c())].map((p) => Promise.resolve(p).catch(() => undefined)),
  );
  return { joinMs, lastMemberMs, firstMemberMs, anyMemberMs };
}

/** Polls gently (every 20 ms): a busy loop here would steal the event loop from the clients. */
async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), ms)),
  ]);
}

/**
 * The latency a room sees on a busy server: an @colyseus/sdk host in its own small room seeks
 * every `intervalMs`; each figure is the time from the host's `send` until its member's decoded
 * state shows the new `seq`. Used by loadtest/capacity.ts once per step.
 */
import { performance } from "node:perf_hooks";
import { Client, type Room } from "@colyseus/sdk";
import { percentile } from "../test/helpers/stats.ts";

export interface ProbeFigures {
  seeks: number;
  lost: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SeekProbe {
  /** seeks every `intervalMs` for `seconds`; a seek not seen within 5 s counts as lost */
  run(seconds: number, intervalMs: number): Promise<ProbeFigures>;
  close(): Promise<void>;
}

export async function startSeekProbe(baseUrl: string, tag: string): Promise<SeekProbe> {
  const host: Room = await new Client(baseUrl).create("watch_party", {
    title: `seek probe ${tag}`,
    anime_id: "probe",
    anime_title: "Probe",
    episode_number: 1,
    video_url: "https://videos.example/probe.webm",
    host_user_id: `probe-host-${tag}`,
    host_username: "Probe host",
  });
  const member: Room = await new Client(baseUrl).joinById(host.roomId, {
    user_id: `probe-member-${tag}`,
    username: "Probe member",
  });
  for (const r of [host, member]) r.onMessage("*", () => {});
  let waiting: { seq: number; resolve: (at: number) => void } | undefined;
  member.onStateChange((state: any) => {
    if (waiting && state.playback.seq >= waiting.seq) waiting.resolve(performance.now());
  });

  return {
    async run(seconds, intervalMs) {
      const times: number[] = [];
      let lost = 0;
      let position = 10;
      const until = performance.now() + seconds * 1000;
      while (performance.now() < until) {
        const started = performance.now();
        const seq = ((host.state as any).playback.seq as number) + 1;
        const seen = new Promise<number>((resolve) => (waiting = { seq, resolve }));
        host.send("control", { action: "seek", current_time: (position += 7.5) });
        const at = await Promise.race([seen, sleep(5000).then(() => undefined)]);
        waiting = undefined;
        if (at === undefined) lost++;
        else times.push(at - started);
        await sleep(Math.max(0, intervalMs - (performance.now() - started)));
        // a lost seek may still arrive: wait until the host's state caught up before the next one
        while (((host.state as any).playback.seq as number) < seq && performance.now() < until)
          await sleep(20);
      }
      return {
        seeks: times.length,
        lost,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        p99: percentile(times, 99),
        max: times.length ? Math.max(...times) : Number.NaN,
      };
    },
    async close() {
      await Promise.allSettled([member.leave(), host.leave()]);
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

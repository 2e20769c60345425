/**
 * Sampling the server's clock over a room: one `time` request at a time, a burst after every
 * (re)start, then spaced out by the schedule (clock-sync.ts). A restart or stop makes any sample
 * still in flight count for nothing, so a reconnect never mixes old and new paths.
 */
import type { Room } from "@colyseus/sdk";
import { ClockSync, nextSampleDelay, type ClockEstimate, type ClockSchedule } from "./clock-sync.ts";

export interface ClockLoopOptions {
  sync: ClockSync;
  schedule: ClockSchedule;
  now: () => number;
  timeoutMs: number;
  /** the room to ask now (it changes after a rejoin) */
  room: () => Room | undefined;
  onEstimate: (estimate: ClockEstimate) => void;
}

export class ClockLoop {
  private readonly o: ClockLoopOptions;
  private epoch = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ClockLoopOptions) {
    this.o = options;
  }

  /** Forgets the samples and starts a new burst; resolves after its first sample. */
  restart(): Promise<void> {
    this.stop();
    this.o.sync.reset();
    return this.sample(this.epoch);
  }

  stop(): void {
    this.epoch++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One `time` request; schedules the next unless the loop was restarted or stopped meanwhile. */
  private async sample(epoch: number): Promise<void> {
    if (epoch !== this.epoch) return;
    const room = this.o.room();
    let failed = true;
    if (room?.connection?.isOpen) {
      const sentAt = this.o.now();
      try {
        const reply: { server_time: number } = await room.request("time", undefined, {
          timeout: this.o.timeoutMs,
        });
        const receivedAt = this.o.now();
        if (epoch !== this.epoch) return;
        failed = !this.o.sync.add({ sentAt, serverTime: reply.server_time, receivedAt });
        if (!failed) this.o.onEstimate(this.o.sync.estimate);
      } catch {
        if (epoch !== this.epoch) return;
      }
    }
    if (epoch !== this.epoch) return;
    clearTimeout(this.timer);
    const { sync, schedule } = this.o;
    const delay = nextSampleDelay(
      { samples: sync.sampleCount, confidence: sync.confidence, lastFailed: failed },
      schedule,
    );
    this.timer = setTimeout(() => void this.sample(epoch), delay);
  }
}

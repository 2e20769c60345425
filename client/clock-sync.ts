/**
 * Server clock estimation, NTP style (pure: no I/O, no timers).
 *
 * A sample is one `time` request: the local clock when it was sent, the server's clock in the
 * reply, and the local clock when the reply arrived. If the server read its clock halfway through
 * the round trip, `offset = serverTime - (sentAt + receivedAt) / 2`; if the two directions were
 * not equally slow, that estimate is off by (up - down) / 2, at most half the round trip either
 * way. So short round trips give good samples: the estimator keeps a sliding window of recent
 * samples and takes the median offset of the few with the lowest round trip.
 *
 * All times are milliseconds. "Local" is whatever clock the caller samples with (the SDK uses
 * `performance.timeOrigin + performance.now()`); `serverNow(localNow)` maps it to server time.
 */

export interface ClockSample {
  /** local clock when the request was sent */
  sentAt: number;
  /** the server's clock in the reply (epoch ms) */
  serverTime: number;
  /** local clock when the reply arrived */
  receivedAt: number;
}

export interface ClockSyncOptions {
  /** How many of the newest accepted samples are kept. Default 16. */
  windowSize: number;
  /** The estimate is the median over this many lowest-round-trip samples of the window. Default 5. */
  bestOf: number;
  /** Samples with a longer round trip are rejected. Default 10 000 ms. */
  maxRoundTripMs: number;
  /** A round trip this short or shorter counts as fully trustworthy in `confidence`. Default 100 ms. */
  goodRoundTripMs: number;
}

export const DEFAULT_CLOCK_SYNC: Readonly<ClockSyncOptions> = Object.freeze({
  windowSize: 16,
  bestOf: 5,
  maxRoundTripMs: 10_000,
  goodRoundTripMs: 100,
});

export interface ClockEstimate {
  /** server clock minus local clock, ms */
  offset: number;
  /** median round trip of the samples the offset was taken from, ms */
  roundTrip: number;
  /** worst-case error of `offset` if the paths are asymmetric: half the longest round trip used, ms */
  uncertainty: number;
  /** 0..1: min(1, samples / bestOf) × min(1, goodRoundTripMs / longest round trip used) */
  confidence: number;
  /** accepted samples in the window */
  samples: number;
}

interface Measured {
  offset: number;
  roundTrip: number;
  /** insertion order, to prefer newer samples on equal round trips */
  n: number;
}

/** Median of a non-empty list (the estimator's best samples); the mean of the two middle values for an even count. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class ClockSync {
  private readonly options: ClockSyncOptions;
  private window: Measured[] = [];
  private counter = 0;
  private current: ClockEstimate = { offset: 0, roundTrip: 0, uncertainty: 0, confidence: 0, samples: 0 };
  private everSynced = false;

  constructor(options: Partial<ClockSyncOptions> = {}) {
    this.options = { ...DEFAULT_CLOCK_SYNC, ...options };
    const { windowSize, bestOf } = this.options;
    if (!(Number.isInteger(windowSize) && windowSize >= 1)) throw new RangeError("windowSize must be ≥ 1");
    if (!(Number.isInteger(bestOf) && bestOf >= 1 && bestOf <= windowSize))
      throw new RangeError("bestOf must be between 1 and windowSize");
  }

  /**
   * Adds one sample and re-estimates. Returns false (and changes nothing) for a sample that
   * cannot be right: a non-finite time, a negative round trip, or one above `maxRoundTripMs`.
   */
  add(sample: ClockSample): boolean {
    const { sentAt, serverTime, receivedAt } = sample;
    if (![sentAt, serverTime, receivedAt].every(Number.isFinite)) return false;
    const roundTrip = receivedAt - sentAt;
    if (roundTrip < 0 || roundTrip > this.options.maxRoundTripMs) return false;
    this.window.push({ offset: serverTime - (sentAt + receivedAt) / 2, roundTrip, n: this.counter++ });
    if (this.window.length > this.options.windowSize) this.window.shift();
    this.everSynced = true;
    this.current = this.estimateFromWindow();
    return true;
  }

  private estimateFromWindow(): ClockEstimate {
    const { bestOf, goodRoundTripMs } = this.options;
    const best = [...this.window].sort((a, b) => a.roundTrip - b.roundTrip || b.n - a.n).slice(0, bestOf);
    const longest = best[best.length - 1]!.roundTrip;
    const samples = this.window.length;
    return {
      offset: median(best.map((s) => s.offset)),
      roundTrip: median(best.map((s) => s.roundTrip)),
      uncertainty: longest / 2,
      confidence:
        Math.min(1, samples / bestOf) * (longest <= goodRoundTripMs ? 1 : goodRoundTripMs / longest),
      samples,
    };
  }

  /**
   * Forgets all samples (after a reconnect: the device may have slept, the server may be another
   * machine). The last offset stays in use, provisionally, with confidence 0 until a new sample.
   */
  reset(): void {
    this.window = [];
    this.current = { ...this.current, confidence: 0, samples: 0 };
  }

  /** The current estimate (a copy). Before any sample: offset 0, confidence 0. */
  get estimate(): ClockEstimate {
    return { ...this.current };
  }
  get offset(): number {
    return this.current.offset;
  }
  get roundTrip(): number {
    return this.current.roundTrip;
  }
  get uncertainty(): number {
    return this.current.uncertainty;
  }
  get confidence(): number {
    return this.current.confidence;
  }
  /** accepted samples since the last reset */
  get sampleCount(): number {
    return this.window.length;
  }
  /** true once any sample was accepted (a reset keeps the offset, so this stays true) */
  get synced(): boolean {
    return this.everSynced;
  }

  /** The server's clock (epoch ms) at local time `localNow`. */
  serverNow(localNow: number): number {
    return localNow + this.current.offset;
  }
}

/** When to take the next sample. */
export interface ClockSchedule {
  /** Samples taken back to back (after a join or a reconnect) before settling down. Default 5. */
  initialSamples: number;
  /** Gap between the initial samples. Default 200 ms. */
  burstIntervalMs: number;
  /** Gap between samples once the estimate is good. Default 30 000 ms. */
  refreshIntervalMs: number;
  /** Below this confidence, keep sampling every `lowConfidenceIntervalMs`. Default 0.5. */
  lowConfidence: number;
  /** Default 5 000 ms. */
  lowConfidenceIntervalMs: number;
  /** After a failed or rejected sample. Default 2 000 ms. */
  retryDelayMs: number;
}

export const DEFAULT_CLOCK_SCHEDULE: Readonly<ClockSchedule> = Object.freeze({
  initialSamples: 5,
  burstIntervalMs: 200,
  refreshIntervalMs: 30_000,
  lowConfidence: 0.5,
  lowConfidenceIntervalMs: 5_000,
  retryDelayMs: 2_000,
});

export interface ScheduleInput {
  /** accepted samples since the last reset (`ClockSync.sampleCount`) */
  samples: number;
  confidence: number;
  /** the last attempt failed (timeout, closed connection, rejected sample) */
  lastFailed: boolean;
}

/** Milliseconds until the next `time` request. A reset (reconnect) starts a new burst. */
export function nextSampleDelay(
  input: ScheduleInput,
  schedule: ClockSchedule = DEFAULT_CLOCK_SCHEDULE,
): number {
  if (input.lastFailed) return schedule.retryDelayMs;
  if (input.samples === 0) return 0;
  if (input.samples < schedule.initialSamples) return schedule.burstIntervalMs;
  if (input.confidence < schedule.lowConfidence) return schedule.lowConfidenceIntervalMs;
  return schedule.refreshIntervalMs;
}

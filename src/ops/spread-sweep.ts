/**
 * Visits every item of a changing collection once per interval, a slice at a time, instead of
 * all of them in one synchronous pass. At 18,000 WebSockets one pass of pings takes ~200 ms,
 * long enough to delay every room's messages behind it; in slices of 50 ms it costs a few ms
 * per slice. Each cycle works on a snapshot taken when it starts: an item added meanwhile waits
 * for the next cycle, an item removed is still visited once (the visitor checks).
 */
export class SpreadSweep<T> {
  private queue: T[] = [];
  private at = 0;
  private readonly slices: number;
  private readonly items: () => Iterable<T>;
  private readonly visit: (item: T) => void;
  readonly sliceMs: number;

  constructor(items: () => Iterable<T>, visit: (item: T) => void, intervalMs: number, sliceMs: number) {
    this.items = items;
    this.visit = visit;
    this.sliceMs = sliceMs;
    this.slices = Math.max(1, Math.round(intervalMs / sliceMs));
  }

  /** One slice: visits the next share of the current cycle (starting a new cycle when due). */
  step(): number {
    if (this.at >= this.queue.length) {
      this.queue = [...this.items()];
      this.at = 0;
    }
    const end = Math.min(this.queue.length, this.at + Math.ceil(this.queue.length / this.slices));
    const from = this.at;
    for (; this.at < end; this.at++) this.visit(this.queue[this.at]!);
    if (this.at >= this.queue.length) this.queue = []; // drop references to items gone since
    return end - from;
  }

  /** Runs a slice every `sliceMs`; clear the returned timer to stop. */
  start(): NodeJS.Timeout {
    return setInterval(() => this.step(), this.sliceMs);
  }
}

/**
 * Visits every item of a changing collection once per interval, a slice at a time, instead of
 * all of them in one synchronous pass. At 18,000 WebSockets one pass of pings takes ~200 ms,
 * long enough to delay every room's messages behind it; in slices of 50 ms it costs a few ms
 * per slice. Each cycle works on a snapshot taken when it starts: an item added meanwhile waits
 * for the next cycle, an item removed is still visited once (the visitor checks).
 */
export class SpreadSweep<T> {
  private queue: T[] = [];
  /** the next slice of the current cycle, 0 … slices-1; a cycle is always `slices` steps long */
  private slice = 0;
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

  /**
   * One slice: visits the next share of the current cycle (taking a new snapshot when a cycle
   * starts). Every cycle is `slices` steps, however few the items: each is visited once per
   * interval, never more often.
   */
  step(): number {
    if (this.slice === 0) this.queue = [...this.items()];
    const n = this.queue.length;
    const from = Math.floor((this.slice * n) / this.slices);
    const end = Math.floor(((this.slice + 1) * n) / this.slices);
    for (let i = from; i < end; i++) this.visit(this.queue[i]!);
    this.slice = (this.slice + 1) % this.slices;
    if (this.slice === 0) this.queue = []; // drop references to items gone since
    return end - from;
  }

  /** Runs a slice every `sliceMs`; clear the returned timer to stop. */
  start(): NodeJS.Timeout {
    return setInterval(() => this.step(), this.sliceMs);
  }
}

/**
 * A buffer written to the database on a timer, one flush at a time (a flush never overlaps the
 * previous one); `stop()` writes what is left. Subclasses say what a flush writes.
 */
export abstract class PeriodicFlush {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushMs: number;

  constructor(flushMs: number) {
    this.flushMs = flushMs;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writePending());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes what is buffered; must not throw (report errors its own way). */
  protected abstract writePending(): Promise<void>;
}

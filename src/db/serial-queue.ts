/**
 * Runs async tasks one after another, so a room's writes reach the database in the order
 * they happened. A failing task is reported and does not stop the ones after it.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  private readonly onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void) {
    this.onError = onError;
  }

  push(task: () => Promise<unknown>): Promise<void> {
    this.tail = this.tail.then(task).then(
      () => undefined,
      (err) => this.onError(err),
    );
    return this.tail;
  }

  /** Resolves once every task pushed so far has finished. */
  drain(): Promise<void> {
    return this.tail;
  }
}

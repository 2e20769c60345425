/**
 * A limit answered at once for a user who keeps within it. rate-limiter-flexible answers every
 * count through a promise, and a host's seek would wait for that answer before any member gets
 * the patch (on a quiet server, tens of microseconds: docs/performance.md, "The host's path,
 * cold"). Here each allowed request also counts the user's next one, so when the next comes its
 * answer is already in hand:
 *
 * - with an answer in hand, `take` returns true at once and counts the user's next request once
 *   the caller's synchronous work is done (a microtask: before any other message is read);
 * - without one (the user's first request, or the count ahead was refused), `take` returns the
 *   count's promise, as a plain count would, and counts ahead once it is allowed.
 *
 * The counting stays the limiter's. Within one window N requests pass and the next is refused,
 * as with a plain count; a request counted at the end of one window may run early in the next, so
 * a window can see N + 1. The memory limiter answers within the turn that asked (its promises
 * settle before the next message can arrive), so there is never more than one count ahead per
 * user, and the answer is in hand by the user's next message (a request in the same turn waits for
 * it). One entry per user who passed the role check before counting.
 */
/** A user's next request, counted before it came: `answer` once the limiter has answered. */
interface Ahead {
  answer?: boolean;
  settled: Promise<boolean>;
}

export class CountedAhead {
  private readonly aheads = new Map<string, Ahead>();
  private readonly count: (key: string) => Promise<void>;
  private readonly countAhead: (key: string) => Promise<void>;

  /**
   * `count` counts a request someone waits for (its refusal is theirs); `countAhead` counts one
   * nobody has sent yet (its refusal is nobody's: it only means the next request waits).
   */
  constructor(count: (key: string) => Promise<void>, countAhead: (key: string) => Promise<void>) {
    this.count = count;
    this.countAhead = countAhead;
  }

  /** true: allowed now; otherwise a promise of the answer (rejected RATE_LIMITED when over) */
  take(key: string): true | Promise<void> {
    const ahead = this.aheads.get(key);
    this.aheads.delete(key);
    if (ahead?.answer === true) {
      this.countNext(key, true);
      return true;
    }
    // asked again before the count ahead was answered (two requests in one turn): wait for it
    if (ahead && ahead.answer === undefined)
      return ahead.settled.then((allowed) => (allowed ? this.countNext(key) : this.counted(key)));
    return this.counted(key);
  }

  /** counted now, for a request that waits; its next is counted ahead once it is allowed */
  private counted(key: string): Promise<void> {
    const counted = this.count(key);
    counted.then(
      () => this.countNext(key),
      () => undefined,
    );
    return counted;
  }

  /** `afterCaller`: counted once the caller's synchronous work is done (a seek's patch goes first) */
  private countNext(key: string, afterCaller = false): void {
    const counted = afterCaller ? Promise.resolve(key).then(this.countAhead) : this.countAhead(key);
    const ahead: Ahead = {
      settled: counted.then(
        () => (ahead.answer = true),
        () => (ahead.answer = false),
      ),
    };
    this.aheads.set(key, ahead);
  }
}

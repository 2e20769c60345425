/**
 * The loop that joins a lost room again (the policy is in rejoin.ts): waits with backoff and
 * jitter, tries, and stops at success, at a refusal no retry can fix, when attempts run out, or
 * as soon as the party is left (`cancel()` ends a wait at once).
 */
import { isPermanentJoinError, rejoinDelay, type RejoinPolicy } from "./rejoin.ts";

export type RejoinOutcome =
  { kind: "joined" } | { kind: "cancelled" } | { kind: "refused"; message: string } | { kind: "gave_up" };

export class RejoinLoop {
  private wait: { timer: ReturnType<typeof setTimeout>; done: () => void } | undefined;

  /** `attempt` joins and adopts the room; it answers false if the party was left meanwhile. */
  async run(
    policy: RejoinPolicy,
    cancelled: () => boolean,
    attempt: () => Promise<boolean>,
  ): Promise<RejoinOutcome> {
    for (let n = 1; ; n++) {
      const delay = rejoinDelay(n, Math.random(), policy);
      if (delay === undefined) return { kind: "gave_up" };
      await this.sleep(delay);
      if (cancelled()) return { kind: "cancelled" };
      try {
        return (await attempt()) ? { kind: "joined" } : { kind: "cancelled" };
      } catch (err) {
        if (isPermanentJoinError(err)) {
          return { kind: "refused", message: err instanceof Error ? err.message : String(err) };
        }
      }
    }
  }

  /** Ends a wait in progress at once. */
  cancel(): void {
    if (!this.wait) return;
    clearTimeout(this.wait.timer);
    this.wait.done();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wait = undefined;
        resolve();
      };
      this.wait = { timer: setTimeout(done, ms), done };
    });
  }
}

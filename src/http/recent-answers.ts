/**
 * A read route's recent answers, per key, for a short time: however often a key is asked for,
 * its loader runs at most once per `ttlMs` in this process (callers during a load share it). A
 * failed load is not kept. At most `maxKeys` answers are held; the oldest goes first.
 */
export class RecentAnswers<T> {
  private readonly held = new Map<string, { at: number; answer: Promise<T> }>();
  private readonly ttlMs: number;
  private readonly maxKeys: number;

  constructor(ttlMs: number, maxKeys: number) {
    this.ttlMs = ttlMs;
    this.maxKeys = maxKeys;
  }

  get(key: string, load: () => Promise<T>, nowMs = Date.now()): Promise<T> {
    const hit = this.held.get(key);
    if (hit && nowMs - hit.at < this.ttlMs) return hit.answer;
    this.held.delete(key);
    const answer = load();
    const entry = { at: nowMs, answer };
    this.held.set(key, entry);
    answer.catch(() => {
      if (this.held.get(key) === entry) this.held.delete(key);
    });
    while (this.held.size > this.maxKeys) this.held.delete(this.held.keys().next().value!);
    return answer;
  }

  get size(): number {
    return this.held.size;
  }
}

/** A small typed event emitter: a listener that throws is reported and never stops the others. */
type Handler = (...args: never[]) => void;

export class Emitter<Events extends { [K in keyof Events]: Handler }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as unknown as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (err) {
        console.error(`anisync: a "${String(event)}" listener threw`, err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

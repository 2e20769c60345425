/**
 * One timer sends every room's state patches, a slot of rooms at a time. Colyseus gives each
 * room its own patch interval; timers of one duration share a list in Node, and once a stall
 * has lined them up they fire in the same timer turn from then on (each is re-armed from the
 * same loop time): at 360 rooms that is one 125–170 ms task every 50 ms. Here the rooms are
 * dealt over `slots` slots (the emptiest slot takes the next room) and each step runs one
 * slot, so a step costs 1/slots of the rooms, also right after a stall. A room whose state did
 * not change costs a clock tick and a check (Colyseus encodes and sends nothing).
 * Upstream, Colyseus could offer this as an option of the matchmaker (one patch wheel per process).
 */
/** how often the scheduler runs a slot: at PATCH_RATE_MS 50, ten slots */
export const PATCH_STEP_MS = 5;

export interface Patched {
  /** advance the room's clock and send its pending changes, if any */
  patchTick(): void;
}

export class PatchScheduler {
  private readonly slots: Array<Set<Patched>>;
  private readonly slotOf = new Map<Patched, number>();
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  readonly stepMs: number;
  private readonly onError: (err: unknown, room: Patched) => void;

  /** every room gets a patch tick once per `periodMs`, in steps of about `stepMs` */
  constructor(periodMs: number, stepMs: number, onError: (err: unknown, room: Patched) => void) {
    const slots = Math.max(1, Math.round(periodMs / stepMs));
    this.slots = Array.from({ length: slots }, () => new Set<Patched>());
    this.stepMs = periodMs / slots;
    this.onError = onError;
  }

  add(room: Patched): void {
    if (this.slotOf.has(room)) return;
    let best = 0;
    for (let i = 1; i < this.slots.length; i++) if (this.slots[i]!.size < this.slots[best]!.size) best = i;
    this.slots[best]!.add(room);
    this.slotOf.set(room, best);
    if (!this.timer) {
      this.timer = setInterval(() => this.step(), this.stepMs);
      this.timer.unref();
    }
  }

  remove(room: Patched): void {
    const slot = this.slotOf.get(room);
    if (slot === undefined) return;
    this.slots[slot]!.delete(room);
    this.slotOf.delete(room);
    if (this.slotOf.size === 0) this.stop();
  }

  /** Runs the next slot's rooms; returns how many. One room's failure does not stop the others. */
  step(): number {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % this.slots.length;
    for (const room of slot) {
      try {
        room.patchTick();
      } catch (err) {
        this.onError(err, room);
      }
    }
    return slot.size;
  }

  has(room: Patched): boolean {
    return this.slotOf.has(room);
  }

  get rooms(): number {
    return this.slotOf.size;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

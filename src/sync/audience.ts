/**
 * A room that changes shape with its size (pure rules; src/rooms/roster.ts applies them).
 * Up to AUDIENCE_MODE_ABOVE members every member is in the replicated state. Above it the room
 * is in audience mode: the state shows only the host, the co-hosts and recent chatters, so a
 * join, a leave or a status report costs no patch to everyone. The room goes back once it has
 * shrunk to 90 % of the threshold (not at the threshold itself: a room hovering there would
 * switch with every join and leave).
 */

/** Audience mode after a change of the member count. */
export function audienceMode(wasAudience: boolean, count: number, above: number): boolean {
  if (!wasAudience) return count > above;
  return count > Math.floor(above * 0.9);
}

export interface VisibleInput {
  host: string;
  /** present co-hosts */
  cohosts: Iterable<string>;
  /** recent chatters, the most recent last */
  chatters: readonly string[];
  /** is this user in the room now? */
  present: (userId: string) => boolean;
  max: number;
}

/**
 * Whom audience mode shows: the host, then co-hosts, then the most recent chatters, at most
 * `max` in all (the host is always shown when present).
 */
export function visibleMembers(input: VisibleInput): Set<string> {
  const shown = new Set<string>();
  const add = (id: string) => {
    if (shown.size < Math.max(1, input.max) && input.present(id)) shown.add(id);
  };
  if (input.host) add(input.host);
  for (const id of input.cohosts) add(id);
  for (let i = input.chatters.length - 1; i >= 0; i--) add(input.chatters[i]!);
  return shown;
}

/**
 * Recent chatters, most recent last, each once, at most `max`: a bounded list whatever the
 * comment rate.
 */
export class RecentChatters {
  private readonly order: string[] = [];
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Answers whether the list changed. */
  saw(userId: string): boolean {
    const at = this.order.indexOf(userId);
    if (at === this.order.length - 1 && at >= 0) return false;
    if (at >= 0) this.order.splice(at, 1);
    this.order.push(userId);
    if (this.order.length > this.max) this.order.shift();
    return true;
  }

  forget(userId: string): void {
    const at = this.order.indexOf(userId);
    if (at >= 0) this.order.splice(at, 1);
  }

  get list(): readonly string[] {
    return this.order;
  }
}

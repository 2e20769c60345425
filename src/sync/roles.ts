/**
 * Owner and host (pure). The owner is the room's verified creator and never changes; the host
 * is whoever controls playback now. The owner takes the host role back whenever they join;
 * a joiner becomes host when the recorded host holds no seat (a room woken by someone else).
 */
export type HostChangeReason = "owner returned" | "absent host" | "transfer" | "succession";

export interface JoinRoles {
  host: string;
  owner: string;
  joiner: string;
  /** the recorded host holds a seat (connected, reconnecting or reserved) */
  hostHoldsSeat: boolean;
}

/** The host after `joiner` takes a seat, and why it changed (undefined: unchanged). */
export function hostOnJoin(r: JoinRoles): { host: string; reason?: HostChangeReason } {
  if (r.joiner === r.host) return { host: r.host };
  if (r.joiner === r.owner) return { host: r.joiner, reason: "owner returned" };
  if (!r.hostHoldsSeat) return { host: r.joiner, reason: "absent host" };
  return { host: r.host };
}

/** The log line of a role change. */
export function describeHostChange(from: string, to: string, reason: HostChangeReason): string {
  return `host from ${from || "nobody"} to ${to} (${reason})`;
}

/**
 * Who becomes host when the host leaves for good (pure): the longest-present connected member;
 * if nobody is connected, the longest-present member still holding a seat (reconnecting).
 * Ties on joined_at break by user_id so every process picks the same one.
 */
export interface HostCandidate {
  user_id: string;
  joined_at: number;
  connected: boolean;
}

export function nextHost(members: Iterable<HostCandidate>, leavingUserId?: string): string | undefined {
  let best: HostCandidate | undefined;
  for (const m of members) {
    if (m.user_id === leavingUserId) continue;
    if (!best || better(m, best)) best = m;
  }
  return best?.user_id;
}

function better(a: HostCandidate, b: HostCandidate): boolean {
  if (a.connected !== b.connected) return a.connected;
  if (a.joined_at !== b.joined_at) return a.joined_at < b.joined_at;
  return a.user_id < b.user_id;
}

/**
 * Several frames to many members in one socket write each. Every WebSocket frame is its own
 * system call (≈ 10 µs on a small VM, loopback included): a big room's once-a-second comment
 * batch and its state patch were two writes per member. Corking each member's socket around the
 * sends makes them one `writev` per member; nothing waits (the sockets are uncorked before this
 * returns).
 *
 * The socket under a Colyseus client is reached through `ws`'s private `_socket` (ws 8); a
 * client without one (another transport) is sent to as before, one write per frame.
 */
interface Corkable {
  cork(): void;
  uncork(): void;
  destroyed?: boolean;
}

/** the TCP socket under a Colyseus WebSocket client, when there is one */
export function socketOf(client: unknown): Corkable | undefined {
  const socket = (client as { ref?: { _socket?: Corkable } }).ref?._socket;
  return socket && typeof socket.cork === "function" && !socket.destroyed ? socket : undefined;
}

/** Runs `send` with every client's socket corked; each socket then writes what it got at once. */
export function corkedSends(clients: Iterable<unknown>, send: () => void): void {
  const corked: Corkable[] = [];
  for (const client of clients) {
    const socket = socketOf(client);
    if (!socket) continue;
    socket.cork();
    corked.push(socket);
  }
  try {
    send();
  } finally {
    for (const socket of corked) socket.uncork();
  }
}

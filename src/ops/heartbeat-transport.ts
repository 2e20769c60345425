/**
 * The WebSocket transport with a lighter heartbeat. The stock transport pings every socket from
 * one timer in one synchronous pass, every 3 s (about 200 ms of event loop at 18,000 sockets), and
 * each ping costs a write and its pong a read: 6,000 of each per second at 18,000 members. Here:
 *
 * - The pings go out a slice every HEARTBEAT_SLICE_MS (SpreadSweep), not all at once.
 * - A socket that sent anything since its last visit has shown it is alive, as a pong would: it
 *   is not pinged, except on every KEEPALIVE_SWEEPS-th visit (every 30 s at the default 3 s), so
 *   that a proxy or NAT between server and member still sees traffic from the server (their idle
 *   timeouts are 60 s and up). Members report `status` every 3 s: nearly all of them are in this case.
 * - A socket that sent nothing is pinged on every visit and terminated after `pingMaxRetries`
 *   visits without an answer, as before: a dead member is found as fast as with the stock transport.
 *
 * Upstream, @colyseus/ws-transport's autoTerminateUnresponsiveClients could do the same.
 */
import { WebSocketTransport } from "@colyseus/ws-transport";
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { SpreadSweep } from "./spread-sweep.ts";

export const HEARTBEAT_SLICE_MS = 50;
/** a socket that keeps talking is still pinged on every this many visits (keeps proxies' idle timers fed) */
export const KEEPALIVE_SWEEPS = 10;

type Watched = WebSocket & {
  /** the transport's own count of unanswered pings; a pong (and here, any message) resets it */
  pingCount: number;
  /** set by any message since the last visit */
  heard?: boolean;
  /** visits since this socket was last pinged */
  unpinged?: number;
};
const noop = () => {};
function heard(this: WebSocket) {
  const socket = this as Watched;
  socket.heard = true;
  socket.pingCount = 0;
}

/** One visit of the sweep to one open socket. */
function visitSocket(client: Watched, pingMaxRetries: number): void {
  if (client.heard && (client.unpinged ?? 0) < KEEPALIVE_SWEEPS - 1) {
    client.heard = false;
    client.unpinged = (client.unpinged ?? 0) + 1;
    return;
  }
  client.heard = false;
  client.unpinged = 0;
  if (client.pingCount >= pingMaxRetries) return void client.terminate();
  client.pingCount++;
  client.ping(noop);
}

export class SpreadHeartbeatTransport extends WebSocketTransport {
  protected override autoTerminateUnresponsiveClients(pingInterval: number, pingMaxRetries: number): void {
    const sweep = new SpreadSweep<Watched>(
      () => this.wss.clients as Set<Watched>,
      (client) => {
        if (client.readyState === client.OPEN) visitSocket(client, pingMaxRetries);
      },
      pingInterval,
      Math.min(HEARTBEAT_SLICE_MS, pingInterval),
    );
    // the base class clears this timer when the server closes
    this.pingInterval = sweep.start();
  }

  // called with the WebSocketServer as `this` (the base class registers it unbound): uses no `this`
  protected override onConnection(
    rawClient: WebSocket,
    req: IncomingMessage,
    upgrade?: never,
  ): Promise<void> {
    rawClient.on("message", heard);
    return super.onConnection(rawClient as never, req, upgrade);
  }
}

/**
 * A TCP proxy for fault tests: forwards to a real server until `cut()`, then behaves like a dead
 * network (nothing arrives in either direction, new connections hang, nothing is closed), until
 * `restore()`.
 * - `drop` (default): bytes sent during the cut are lost, and the connections that lived through
 *   it are reset at the restore, as after a long outage.
 * - `hold`: a partition that heals, as TCP sees one: what a client sent during the cut (and its
 *   close) is delivered to the server `deliverAfterMs` after the restore (TCP retransmits with
 *   backoff, so late), the connections stay up. A request the client gave up on may then still
 *   run on the server after the client's retry did: the stale write that a fence must refuse.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export interface CutOptions {
  mode?: "drop" | "hold";
  /** hold: delay between the restore and the delivery of what was held */
  deliverAfterMs?: number;
}

export interface TcpProxy {
  port: number;
  cut(opts?: CutOptions): void;
  restore(): void;
  /** resolves once everything held during the last cut has been delivered */
  delivered(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
  /** lived through a cut in drop mode: nothing more is forwarded, reset at the restore */
  sawCut: boolean;
  /** hold mode: bytes from the client not yet delivered */
  held?: Buffer[];
  clientEnded?: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let down = false;
  let mode: CutOptions["mode"] = "drop";
  let deliverAfterMs = 0;
  let delivering: Promise<void> = Promise.resolve();
  const pairs = new Set<Pair>();

  const server: Server = createServer((client) => {
    const pair: Pair = { client, sawCut: down };
    pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      if (pair.held) return; // its close is delivered with what it sent
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (down) return; // a dead network: the connection never reaches the server
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => {
      client.destroy();
      pairs.delete(pair);
    });
    client.on("data", (d) => {
      if (pair.held) pair.held.push(d);
      else if (!down && !pair.sawCut) upstream.write(d);
    });
    client.on("end", () => {
      if (pair.held) pair.clientEnded = true;
      else upstream.end();
    });
    upstream.on("data", (d) => {
      if (!down && !pair.sawCut && !pair.held) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  function deliver(held: Pair[]): void {
    for (const pair of held) {
      const bytes = pair.held ?? [];
      pair.held = undefined;
      for (const b of bytes) pair.upstream?.write(b);
      if (pair.clientEnded || pair.client.destroyed) pair.upstream?.end();
    }
  }

  return {
    port,
    cut(opts = {}) {
      down = true;
      mode = opts.mode ?? "drop";
      deliverAfterMs = opts.deliverAfterMs ?? 0;
      for (const pair of pairs) {
        if (mode === "hold" && pair.upstream) pair.held = [];
        else pair.sawCut = true;
      }
    },
    restore() {
      down = false;
      const held = [...pairs].filter((p) => p.held);
      delivering = new Promise((resolve) =>
        setTimeout(() => {
          deliver(held);
          resolve();
        }, deliverAfterMs),
      );
      // drop mode: bytes were lost in both directions: these streams are broken, as after a real outage
      for (const pair of pairs) {
        if (!pair.sawCut) continue;
        pair.client.destroy();
        pair.upstream?.destroy();
      }
    },
    delivered: () => delivering,
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

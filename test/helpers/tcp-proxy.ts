/**
 * A TCP proxy for fault tests: forwards to a real server until `cut()`, then behaves like a dead
 * network (bytes in either direction are dropped, new connections hang, nothing is closed), until
 * `restore()` resets the connections that lived through the cut and forwards again.
 */
import { createServer, connect, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let down = false;
  /** every client socket with its upstream (absent for a connection accepted during a cut) */
  const pairs = new Set<{ client: Socket; upstream?: Socket; sawCut: boolean }>();

  const server: Server = createServer((client) => {
    const pair: { client: Socket; upstream?: Socket; sawCut: boolean } = { client, sawCut: down };
    pairs.add(pair);
    client.on("error", () => {});
    client.on("close", () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (down) return; // a dead network: the connection never reaches the server
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => client.destroy());
    client.on("data", (d) => {
      if (!down && !pair.sawCut) upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (!down && !pair.sawCut) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    cut() {
      down = true;
      for (const pair of pairs) pair.sawCut = true;
    },
    restore() {
      down = false;
      // bytes were lost in both directions: these streams are broken, as after a real outage
      for (const pair of pairs) {
        if (!pair.sawCut) continue;
        pair.client.destroy();
        pair.upstream?.destroy();
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

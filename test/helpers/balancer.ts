/**
 * A TCP load balancer in front of server processes, as a deployment puts one in front of a
 * cluster: each connection goes to the next backend in turn, skipping one that refuses it.
 * `backends()` is asked on every connection (a test leaves out a process it stopped).
 */
import { connect, createServer, type Socket } from "node:net";

export interface Balancer {
  url: string;
  port: number;
  /** closes every connection open now (a cut); new ones follow `backends()` */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startBalancer(backends: () => number[], host = "127.0.0.1"): Promise<Balancer> {
  let turn = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on("close", () => open.delete(client));
    const ports = backends();
    const attempt = (left: number) => {
      if (left === 0 || client.destroyed) return void client.destroy();
      const upstream = connect(ports[turn++ % ports.length]!, host);
      let connected = false;
      open.add(upstream);
      upstream.on("close", () => open.delete(upstream));
      upstream.on("error", () => {
        upstream.destroy();
        if (connected) client.destroy();
        else attempt(left - 1);
      });
      upstream.once("connect", () => {
        connected = true;
        client.on("error", () => upstream.destroy());
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
    };
    attempt(ports.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dropAll: () => {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

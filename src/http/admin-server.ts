/**
 * ADMIN_PORT: the Colyseus monitor on its own HTTP server, bound to 127.0.0.1, so it is reachable
 * only from this machine (an SSH tunnel, a local reverse proxy) and never on the public port.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { Services } from "../services.ts";
import { pinClientIp, trustFunction } from "../security/client-ip.ts";
import { monitorRouter } from "./ops-routes.ts";
import { errorHandler } from "./respond.ts";

export const ADMIN_HOST = "127.0.0.1";

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

export async function startAdminServer(svc: Services, port: number): Promise<AdminServer> {
  const app = express();
  app.disable("x-powered-by");
  app.use(monitorRouter(svc));
  app.use(errorHandler(svc.log));
  const server: Server = createServer(app);
  const trust = trustFunction(svc.config.TRUST_PROXY);
  server.prependListener("request", (req) => pinClientIp(req, trust));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, ADMIN_HOST, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

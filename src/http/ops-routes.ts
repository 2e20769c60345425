/**
 * Operator endpoints: health, real-time counts, Prometheus metrics, and the Colyseus monitor
 * (loaded only when ADMIN_PASSWORD enables it).
 */
import { Router } from "express";
import { matchMaker } from "@colyseus/core";
import type { Services } from "../services.ts";
import { basicAuth } from "../ops/admin-auth.ts";
import { registry } from "../ops/metrics.ts";
import { ROOM_NAME } from "../rooms/restore.ts";

export async function opsRouter(svc: Services): Promise<Router> {
  const router = Router();

  router.get("/health", async (_req, res) => {
    const [database, redis] = await Promise.all([
      check(() => svc.database.ping()),
      svc.redis ? check(async () => void (await svc.redis!.ping())) : Promise.resolve("not configured"),
    ]);
    const ok = database === "ok" && (redis === "ok" || redis === "not configured");
    res.status(ok ? 200 : 503).json({
      status: ok ? "ok" : "unavailable",
      database: svc.database.kind,
      checks: { database, redis },
    });
  });

  router.get("/health/realtime", async (_req, res) => {
    const listings = await matchMaker.query({ name: ROOM_NAME });
    res.json({
      process: {
        rooms: matchMaker.stats.local.roomCount,
        connected_members: matchMaker.stats.local.ccu,
      },
      cluster: {
        rooms: listings.length,
        members: listings.reduce((n, l) => n + (l.clients ?? 0), 0),
      },
    });
  });

  router.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  if (svc.config.ADMIN_PASSWORD) {
    const { monitor } = await import("@colyseus/monitor");
    router.use("/monitor", basicAuth(svc.config.ADMIN_PASSWORD), monitor());
  }

  return router;
}

async function check(fn: () => Promise<void>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

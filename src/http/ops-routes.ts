/** Operator endpoints: health, real-time counts, Prometheus metrics, and the Colyseus monitor. */
import { Router, type RequestHandler } from "express";
import { matchMaker } from "@colyseus/core";
import type { MonitorOptions } from "@colyseus/monitor";
import type { Services } from "../services.ts";
import { basicAuth } from "../ops/admin-auth.ts";
import { registry } from "../ops/metrics.ts";
import { makeLimiter } from "../security/rate-limits.ts";
import { ROOM_NAME } from "../rooms/restore.ts";

export function opsRouter(svc: Services): Router {
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

  // for orchestrators: liveness is the process answering (restart it when this fails), readiness
  // is its database and Redis answering within READY_CHECK_TIMEOUT_MS (send it traffic)
  router.get("/health/live", (_req, res) => {
    res.json({ status: "ok", uptime_s: Math.round(process.uptime()) });
  });

  router.get("/health/ready", async (_req, res) => {
    const [database, redis] = await Promise.all([
      check(() => withTimeout(svc.database.ping(), READY_CHECK_TIMEOUT_MS)),
      svc.redis
        ? check(() => withTimeout(svc.redis!.ping(), READY_CHECK_TIMEOUT_MS))
        : Promise.resolve("not configured"),
    ]);
    const ok = database === "ok" && (redis === "ok" || redis === "not configured");
    res.status(ok ? 200 : 503).json({
      status: ok ? "ready" : "unavailable",
      checks: { database, redis },
      pending_writes: svc.outboxes.pendingWrites,
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

  // with ADMIN_PORT the monitor is served on its own loopback port instead (src/http/admin-server.ts)
  if (svc.config.ADMIN_PASSWORD && svc.config.ADMIN_PORT === undefined) router.use(monitorRouter(svc));

  return router;
}

/** `/monitor` behind basic auth (failed logins limited per address) and the call guard below. */
export function monitorRouter(svc: Services): Router {
  const router = Router();
  if (!svc.config.ADMIN_PASSWORD) return router;
  const failures = makeLimiter({
    keyPrefix: "anisync:rl:admin_login",
    points: svc.config.ADMIN_LOGIN_FAILURES_PER_IP_PER_HOUR,
    durationS: 3600,
    redis: svc.redis,
  });
  router.use("/monitor", basicAuth(svc.config.ADMIN_PASSWORD, { failures }), monitorCallGuard, lazyMonitor());
  return router;
}

/** The monitor's own app, loaded by its first request: its modules would cost every start otherwise. */
function lazyMonitor(): RequestHandler {
  let app: Promise<RequestHandler> | undefined;
  return (req, res, next) => {
    app ??= import("@colyseus/monitor").then(
      ({ monitor }) => monitor({ columns: MONITOR_COLUMNS }) as unknown as RequestHandler,
    );
    app.then((handler) => handler(req, res, next), next);
  };
}

/**
 * The monitor's room list: the room's id, what the room's metadata names (src/rooms/metadata.ts),
 * then Colyseus's own live fields (`clients` = connected sockets).
 */
export const MONITOR_COLUMNS: NonNullable<MonitorOptions["columns"]> = [
  "roomId",
  { metadata: "title" },
  { metadata: "anime_title" },
  { metadata: "episode_number" },
  { metadata: "visibility" },
  { metadata: "host_username" },
  { metadata: "host_user_id" },
  { metadata: "members" },
  "clients",
  "maxClients",
  "elapsedTime",
  "processId",
];

/** The room methods the monitor's own pages call through `GET /monitor/api/room/call`. */
const MONITOR_ROOM_METHODS = new Set([
  "disconnect",
  "_forceClientDisconnect",
  "_sendMessageToClient",
  "_editStateProperty",
  "_deleteStateProperty",
]);

/**
 * `/monitor/api/room/call` hands `method` to `matchMaker.remoteRoomCall`, which calls any room
 * method and, when `args` is not an array (`args=null`), returns any room field: a private
 * room's `secrets` (access key, invite) or the services with the token secret. Only the calls the
 * monitor's pages make, with an argument list, pass.
 */
const monitorCallGuard: RequestHandler = (req, res, next) => {
  let path = req.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    /* kept as sent */
  }
  // any spelling a router might still match: letter case, doubled or trailing slashes
  if (!/^\/api\/room\/call$/i.test(path.replace(/\/{2,}/g, "/").replace(/\/$/, ""))) return next();
  const { method, args } = req.query;
  let list: unknown;
  try {
    list = typeof args === "string" ? JSON.parse(args) : undefined;
  } catch {
    list = undefined;
  }
  if (typeof method === "string" && MONITOR_ROOM_METHODS.has(method) && Array.isArray(list)) return next();
  res.status(403).json({ error: { code: "FORBIDDEN", message: "not a monitor action" } });
};

const READY_CHECK_TIMEOUT_MS = 2000;

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(fn: () => Promise<void>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

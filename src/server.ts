/**
 * Wires one AniSync process: database, Colyseus (presence/driver, ws transport, the room),
 * the HTTP API and background jobs. index.ts calls this; tests call it too.
 */
import { LocalDriver, LocalPresence, Server, matchMaker } from "@colyseus/core";
import { installSharedFrames } from "./ops/shared-frames.ts";
import { SpreadHeartbeatTransport } from "./ops/heartbeat-transport.ts";
import { readFile } from "node:fs/promises";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "./config.ts";
import { openDatabase } from "./db/connect.ts";
import type { StartedPglite } from "./db/pglite-start.ts";
import { OutboxGroup } from "./db/outbox.ts";
import { getOrCreateTokenSecret } from "./db/settings-repo.ts";
import { mountHttp } from "./http/app.ts";
import { ADMIN_HOST, startAdminServer, type AdminServer } from "./http/admin-server.ts";
import { limitRequestBodies } from "./http/body-limit.ts";
import { SampleWriter } from "./jobs/sample-writer.ts";
import { ReactionCounter } from "./jobs/reaction-counter.ts";
import { createLogger, type Logger } from "./log.ts";
import { KeyThrottle } from "./security/key-throttle.ts";
import { IdentityService } from "./security/identity.ts";
import { pinClientIp, trustFunction } from "./security/client-ip.ts";
import { limitPoints, RateLimits } from "./security/rate-limits.ts";
import { installServices, type Services } from "./services.ts";
import { installMatchmakingRoutes } from "./rooms/matchmaking.ts";
import { ROOM_NAME } from "./rooms/restore.ts";
import { installCors } from "./ops/cors.ts";
import { keepPm2IoOut } from "./ops/pm2-io.ts";
import { colyseusLogger, routeColyseusDebug } from "./ops/log-stream.ts";
import { metrics } from "./ops/metrics.ts";
import { CleanupJob } from "./jobs/cleanup.ts";
import { WatchPartyRoom } from "./rooms/WatchPartyRoom.ts";
import { PATCH_STEP_MS, PatchScheduler } from "./rooms/patch-scheduler.ts";
import { presenceOutcomes, WriteWaits } from "./rooms/write-waits.ts";
import type { SyncplayGateway } from "./syncplay/gateway.ts";
import { acceptPeerAddress, peerSecretFrom } from "./syncplay/peer-address.ts";
import { RoomHolds } from "./cluster/room-holds.ts";
import { ProcessLiveness } from "./cluster/liveness.ts";
import { guardListings, type ListingGuard } from "./cluster/guarded-listing.ts";
import { Placement } from "./cluster/placement.ts";

export interface AniSync {
  colyseus: Server;
  services: Services;
  port: number;
  /** the Syncplay gateway's port, when SYNCPLAY_PORT is set */
  syncplayPort?: number;
  /** Stops accepting, puts every room to sleep (position saved), closes the database. */
  stop(): Promise<void>;
}

export async function createAniSync(
  config: Config,
  opts: { log?: Logger; exitOnSignal?: boolean; pglite?: StartedPglite } = {},
): Promise<AniSync> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  if (!config.PM2_IO) keepPm2IoOut();
  const database = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    pgliteTemplate: config.PGLITE_TEMPLATE,
    ...(opts.pglite ? { pglite: opts.pglite } : {}),
    timeouts: {
      connectMs: config.DB_CONNECT_TIMEOUT_MS,
      statementMs: config.DB_STATEMENT_TIMEOUT_MS,
      idleMs: config.DB_IDLE_TIMEOUT_MS,
    },
  });
  let services: Services | undefined;
  try {
    const tokenSecret = config.TOKEN_SECRET ?? (await getOrCreateTokenSecret(database.db));
    const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL) : undefined;
    const samples = new SampleWriter(database.db, config.SAMPLE_FLUSH_MS, (err) =>
      log.error("sync samples write failed", { err }),
    );
    const reactions = new ReactionCounter(database.db, config.SAMPLE_FLUSH_MS, (err) =>
      log.error("reaction counts write failed (kept for the next flush)", { err }),
    );
    const outboxes = new OutboxGroup({
      maxWrites: config.OUTBOX_MAX_WRITES,
      giveUpAfterMs: config.OUTBOX_GIVE_UP_S * 1000,
      onPending: (total) => metrics.dbWritesPending.set(total),
      onRetry: () => metrics.dbWriteRetries.inc(),
      onGiveUp: (reason) => metrics.dbWritesGivenUp.inc({ reason }),
    });
    const holds = new RoomHolds(database.db, log);
    const liveness = redis
      ? new ProcessLiveness(
          redis,
          { intervalMs: config.HEARTBEAT_INTERVAL_MS, ttlMs: config.HEARTBEAT_TTL_MS },
          log,
          () => holds.verify(),
        )
      : undefined;
    services = {
      config,
      database,
      outboxes,
      tokenSecret,
      identity: new IdentityService(config, tokenSecret),
      keyThrottle: new KeyThrottle({
        perIpPerMinute: config.KEY_ATTEMPTS_PER_IP_PER_MIN,
        perRoomPerHour: config.KEY_ATTEMPTS_PER_ROOM_PER_HOUR,
        redis,
      }),
      rateLimits: new RateLimits(limitPoints(config), redis),
      samples,
      patches: new PatchScheduler(config.PATCH_RATE_MS, PATCH_STEP_MS, (err) =>
        log.error("room patch failed", { err }),
      ),
      reactions,
      writeWaits: new WriteWaits({
        waitMs: config.HTTP_WRITE_WAIT_S * 1000,
        keepS: config.OUTBOX_GIVE_UP_S + 3600,
        outcomes: presenceOutcomes(() => matchMaker.presence),
        onError: (err) => log.warn("write outcome not recorded", { err }),
      }),
      log,
      redis,
      holds,
      liveness,
    };
    installServices(services);
    const svc = services;

    const placement = redis ? new Placement(redis) : undefined;
    const { presence, driver } = await clusterBackends(config, {
      mayWrite: (roomId) => !holds.isFenced(roomId) && (liveness?.current ?? true),
    });
    routeColyseusDebug(log);
    const transport = new SpreadHeartbeatTransport({ maxPayload: config.MAX_PAYLOAD_BYTES });
    installSharedFrames();
    const colyseus = new Server({
      transport,
      presence,
      driver,
      publicAddress: config.PUBLIC_ADDRESS,
      ...(placement ? { selectProcessIdToCreateRoom: placement.select } : {}),
      greet: false,
      logger: colyseusLogger(log),
      gracefullyShutdown: opts.exitOnSignal ?? false,
      express: (app) => mountHttp(app, svc),
    });
    const handler = colyseus.define(ROOM_NAME, WatchPartyRoom);
    if (placement)
      handler.on("create", () => {
        placement.onRoomCreated().catch((err) => log.warn("room count not published", { err }));
      });
    liveness?.start(); // matchMaker.processId is set by now
    installMatchmakingRoutes();
    installCors(config.ALLOWED_ORIGINS);
    const cleanup = new CleanupJob(
      database.db,
      {
        intervalS: config.CLEANUP_INTERVAL_S,
        roomTtlS: config.ROOM_INACTIVE_TTL_S,
        sampleTtlS: config.SAMPLE_TTL_S,
        isLive: async (roomId) => Boolean(await matchMaker.getRoomById(roomId)),
        onRun: (removed) => {
          metrics.cleanupRuns.inc();
          metrics.cleanupRemoved.inc({ kind: "rooms" }, removed.rooms);
          metrics.cleanupRemoved.inc({ kind: "sync_samples" }, removed.samples);
        },
      },
      log,
    );

    // Shutdown drain: from the first shutdown step on, rooms' pending writes get SHUTDOWN_DRAIN_S
    // (their onDispose waits for them); whatever is still unwritten then is given up and logged.
    colyseus.onBeforeShutdown(() => outboxes.beginShutdown(config.SHUTDOWN_DRAIN_S * 1000));
    let closing: Promise<void> | undefined;
    let admin: AdminServer | undefined;
    let syncplay: SyncplayGateway | undefined;
    const closeResources = async () => {
      await admin?.close();
      await syncplay?.close();
      outboxes.beginShutdown(config.SHUTDOWN_DRAIN_S * 1000);
      await outboxes.drain();
      cleanup.stop();
      await liveness?.stop();
      svc.patches.stop();
      await samples.stop();
      await reactions.stop();
      redis?.disconnect();
      await database.close();
      installServices(undefined);
    };
    colyseus.onShutdown(() => (closing ??= closeResources()));

    await colyseus.listen(config.PORT, config.HOST);
    const http = transport.server as HttpServer;
    const trust = trustFunction(config.TRUST_PROXY);
    const peerSecret = peerSecretFrom(tokenSecret);
    http.prependListener("request", (req) => (pinClientIp(req, trust), acceptPeerAddress(req, peerSecret)));
    http.prependListener("upgrade", (req) => (pinClientIp(req, trust), acceptPeerAddress(req, peerSecret)));
    limitRequestBodies(http); // wraps every listener above, so it runs first
    const port = (http.address() as AddressInfo).port;
    (colyseus as unknown as { port: number }).port = port;
    if (config.ADMIN_PORT !== undefined && config.ADMIN_PASSWORD) {
      admin = await startAdminServer(svc, config.ADMIN_PORT);
      log.info("monitor listening", { host: ADMIN_HOST, port: admin.port });
    }
    if (config.SYNCPLAY_PORT !== undefined) {
      // loaded only here: the gateway's modules (the Colyseus client among them) cost every start otherwise
      const { startSyncplayGateway } = await import("./syncplay/gateway.ts");
      syncplay = await startSyncplayGateway({
        port: config.SYNCPLAY_PORT,
        host: config.HOST,
        endpoint: `http://${localHost(config.HOST)}:${port}`,
        authMode: config.AUTH_MODE,
        peerSecret,
        ...(config.SYNCPLAY_TLS_CERT && config.SYNCPLAY_TLS_KEY
          ? {
              tls: {
                cert: await readFile(config.SYNCPLAY_TLS_CERT, "utf8"),
                key: await readFile(config.SYNCPLAY_TLS_KEY, "utf8"),
              },
            }
          : {}),
        stateIntervalMs: config.SYNCPLAY_STATE_INTERVAL_MS,
        idleTimeoutMs: config.SYNCPLAY_IDLE_TIMEOUT_S * 1000,
        startTimeoutMs: config.SYNCPLAY_START_TIMEOUT_S * 1000,
        log,
      });
    }
    samples.start();
    reactions.start();
    cleanup.start();
    log.info("AniSync listening", {
      port,
      database: database.kind,
      cluster: Boolean(config.REDIS_URL),
      auth_mode: config.AUTH_MODE,
    });
    if (config.AUTH_MODE === "open") {
      log.warn(
        "AUTH_MODE=open: identities are NOT verified; any client can claim any user_id (trusted networks only)",
      );
    }

    return {
      colyseus,
      services: svc,
      port,
      ...(syncplay ? { syncplayPort: syncplay.port } : {}),
      stop: async () => {
        await colyseus.gracefullyShutdown(false);
        await (closing ??= closeResources());
      },
    };
  } catch (err) {
    if (!services) await database.close();
    throw err;
  }
}

/** An address this process reaches its own listener at. */
function localHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

async function connectRedis(url: string) {
  const { Redis } = await import("ioredis");
  const { RECONNECT } = await import("./cluster/presence.ts");
  return new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false, ...RECONNECT });
}

async function clusterBackends(config: Config, guard: ListingGuard) {
  if (!config.REDIS_URL) return { presence: new LocalPresence(), driver: new LocalDriver() };
  const { redisPresence, RECONNECT } = await import("./cluster/presence.ts");
  const { Redis } = await import("ioredis");
  const { RedisDriver } = await import("@colyseus/redis-driver");
  return {
    presence: redisPresence(config.REDIS_URL),
    driver: guardListings(new RedisDriver(new Redis(config.REDIS_URL, RECONNECT)), guard),
  };
}

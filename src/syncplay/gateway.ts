/**
 * The Syncplay gateway: a TCP listener (SYNCPLAY_PORT) where each Syncplay client becomes one
 * ordinary member of an AniSync room. It joins through this process's own matchmaking with
 * `@colyseus/sdk` (the WatchParty client), so admission, keys and their throttle, bans and
 * limits are the room's own, and a room on another process of the cluster is reached the way
 * any browser reaches it. See docs/syncplay.md.
 */
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext } from "node:tls";
import { Client } from "@colyseus/sdk";
import { Counter, Gauge } from "prom-client";
import { WatchParty } from "../../client/watch-party.ts";
import type { JoinOptions } from "../../client/party-types.ts";
import type { AuthMode } from "../security/identity.ts";
import { registry } from "../ops/metrics.ts";
import type { Logger } from "../log.ts";
import { isRoomId } from "./access.ts";
import { keyFromMd5 } from "./hashed-key.ts";
import type { FileIn } from "./codec.ts";
import { encode, MESSAGE_TYPES, typeLabel } from "./codec.ts";
import { AddressSlots } from "./flood.ts";
import { addressKey } from "../security/client-ip.ts";
import { CLOSE_REASONS, SyncplayConnection, type CloseReason, type JoinRequest } from "./connection.ts";
import { PEER_HEADER, peerHeaderValue } from "./peer-address.ts";

export interface GatewayOptions {
  port: number;
  host: string;
  /** where this process's HTTP/WebSocket server listens (matchmaking) */
  endpoint: string;
  authMode: AuthMode;
  /** signs the Syncplay client's address for this cluster's matchmaking (see peer-address.ts) */
  peerSecret: string;
  /** PEM certificate chain and key: STARTTLS is offered */
  tls?: { cert: string; key: string };
  stateIntervalMs?: number;
  idleTimeoutMs?: number;
  startTimeoutMs?: number;
  log: Logger;
}

export interface SyncplayGateway {
  port: number;
  /** Closes every Syncplay connection (with an Error saying so) and the listener. */
  close(): Promise<void>;
}

const connectionsGauge = new Gauge({
  name: "anisync_syncplay_connections",
  help: "Open Syncplay client connections on this process",
  registers: [registry],
});
const closedCounter = new Counter({
  name: "anisync_syncplay_closed_total",
  help: "Syncplay connections closed, by reason (client, line_too_long, malformed, flood, idle, refused, removed, room_closed, shutdown, error)",
  labelNames: ["reason"] as const,
  registers: [registry],
});
const messagesCounter = new Counter({
  name: "anisync_syncplay_messages_in_total",
  help: "Syncplay messages received, by type (TLS, Hello, Set, List, State, Chat, Error, unknown)",
  labelNames: ["type"] as const,
  registers: [registry],
});

// every series exists from start-up (0), as for the room's counters (src/ops/metrics.ts)
for (const reason of CLOSE_REASONS) closedCounter.inc({ reason }, 0);
for (const type of [...MESSAGE_TYPES, "unknown"]) messagesCounter.inc({ type }, 0);

/** Remembered guest identity tokens, per client address and name (so a ban holds on reconnect). */
const MAX_REMEMBERED = 10_000;

export async function startSyncplayGateway(opts: GatewayOptions): Promise<SyncplayGateway> {
  // the table that turns the real client's MD5 of a key back into the key (hashed-key.ts), built in slices now
  void keyFromMd5("0".repeat(32));
  const files = new Map<string, Map<string, FileIn>>();
  const identities = new Map<string, string>();
  const open = new Set<SyncplayConnection>();
  const tls = opts.tls ? createSecureContext({ cert: opts.tls.cert, key: opts.tls.key }) : undefined;

  const join = async (req: JoinRequest): Promise<WatchParty> => {
    if (!isRoomId(req.room)) throw new Error(`ROOM_NOT_FOUND: "${req.room}" is not a room id`);
    const client = new Client(opts.endpoint, {
      headers: { [PEER_HEADER]: peerHeaderValue(opts.peerSecret, req.address) },
    });
    const who = `${req.address}|${req.username}`;
    const options: JoinOptions = { username: req.username };
    if (opts.authMode === "open")
      options.user_id = `sp-${createHash("sha256").update(who).digest("hex").slice(0, 16)}`;
    if (req.credentials.access_key) options.access_key = req.credentials.access_key;
    if (req.credentials.invite) options.invite = req.credentials.invite;
    const identityToken =
      req.credentials.token ?? (opts.authMode === "guest" ? identities.get(who) : undefined);
    const party = await WatchParty.join(client, req.room, options, {
      rejoin: false,
      ...(identityToken ? { identityToken } : {}),
    });
    const issued = party.welcome.identity_token;
    if (issued && !req.credentials.token) {
      identities.delete(who);
      identities.set(who, issued);
      if (identities.size > MAX_REMEMBERED) identities.delete(identities.keys().next().value!);
    }
    return party;
  };

  const slots = new AddressSlots();
  const server: Server = createServer((socket: Socket) => {
    const address = addressKey(socket.remoteAddress ?? "unknown");
    if (!slots.take(address)) {
      closedCounter.inc({ reason: "flood" });
      socket.on("error", () => {});
      socket.end(
        encode({ Error: { message: "Too many connections from your address; close some and try again." } }),
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    connectionsGauge.inc();
    const conn = new SyncplayConnection(socket, {
      open: join,
      files,
      ...(tls ? { tls } : {}),
      stateIntervalMs: opts.stateIntervalMs ?? 1000,
      idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
      startTimeoutMs: opts.startTimeoutMs ?? 60_000,
      motd: "AniSync: chat lines become comments on the episode.",
      log: opts.log,
      onMessage: (type) => messagesCounter.inc({ type: typeLabel(type) }),
      onClose: (reason: CloseReason) => {
        if (!open.delete(conn)) return;
        slots.release(address);
        connectionsGauge.dec();
        closedCounter.inc({ reason });
      },
    });
    open.add(conn);
  });
  server.on("error", (err) => opts.log.error("syncplay listener error", { err }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  opts.log.info("Syncplay gateway listening", { port });
  return {
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of [...open])
        conn.fail("shutdown", "The server is shutting down; connect again in a moment.");
      await closed;
    },
  };
}

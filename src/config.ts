/**
 * Configuration from the environment, validated once at start-up.
 * Every knob carries its unit in its name; docs/configuration.md lists them all.
 */
import { z } from "zod";
import { parseTrustProxy } from "./security/client-ip.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const seconds = z.coerce.number().positive().finite();

const schema = z.object({
  PORT: int(0, 65535).default(2567),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  /** a first PGlite start copies the empty cluster `npm install` made (src/db/pglite-template.ts) */
  PGLITE_TEMPLATE: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** host[:port] clients reach this process at; needed when several processes share Redis */
  PUBLIC_ADDRESS: z.string().min(1).optional(),
  /** alternative to PUBLIC_ADDRESS for process managers: the address becomes PUBLIC_HOST:PORT */
  PUBLIC_HOST: z.string().min(1).optional(),
  /** cluster: how often a process renews its heartbeat in Redis (and checks it still holds its rooms) */
  HEARTBEAT_INTERVAL_MS: int(100, 60_000).default(500),
  /** cluster: a process whose heartbeat is this old is taken for dead; its rooms move on their next join */
  HEARTBEAT_TTL_MS: int(300, 600_000).default(2000),
  SYNC_TOLERANCE_S: seconds.default(2),
  /** the countdown before the room switches to the next queue item */
  ADVANCE_COUNTDOWN_S: z.coerce.number().min(0).max(600).default(5),
  /** a buffering member holds the room at most this long; then it resumes without them */
  BUFFER_WAIT_S: seconds.default(10),
  /** a member who started or joined this many holds within 10 minutes holds the room no more */
  BUFFER_HOLDS_MAX: int(0, 1000).default(3),
  RECONNECT_WINDOW_S: seconds.default(30),
  PATCH_RATE_MS: int(5, 1000).default(50),
  /** How often routine status reports are folded into the replicated state. */
  STATUS_FLUSH_MS: int(50, 10_000).default(500),
  /** A member's shown drift is refreshed when it moves by at least this much. */
  DRIFT_DISPLAY_STEP_S: z.coerce.number().min(0).finite().default(0.25),
  /** A member's shown position/drift/heartbeat is refreshed at least this often while it reports. */
  MEMBER_REFRESH_S: seconds.default(60),
  /** At most one stored sync sample per member per this many seconds (plus one on every status change). */
  SAMPLE_INTERVAL_S: seconds.default(30),
  SAMPLE_FLUSH_MS: int(100, 60_000).default(2000),
  TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** longest a member token lives; it ends earlier with its stay (leave, removal, room deleted) */
  MEMBER_TOKEN_TTL_S: seconds.default(86_400),
  /** guest (server-issued identities, the default), jwt (tokens of the embedding site) or open (ids as the client says) */
  AUTH_MODE: z.enum(["guest", "jwt", "open"]).default("guest"),
  /** lifetime of a guest identity token */
  GUEST_TOKEN_TTL_S: seconds.default(31_536_000),
  /** AUTH_MODE=jwt: HS256 shared secret of the identity provider */
  AUTH_JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** AUTH_MODE=jwt: JWKS URL of the identity provider (RS256/ES256 keys, cached, refetched on an unknown kid) */
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  /** AUTH_MODE=jwt: the claim (dotted path) holding the display name */
  AUTH_JWT_NAME_CLAIM: z.string().min(1).default("name"),
  MAX_MEMBERS_PER_ROOM: int(2, 100_000).default(2000),
  /** above this many members a room is in audience mode (docs/premiere.md) */
  AUDIENCE_MODE_ABOVE: int(2, 100_000).default(200),
  /** audience mode: at most this many members (host, co-hosts, recent chatters) in the state */
  AUDIENCE_VISIBLE_MAX: int(1, 1000).default(50),
  /** slow mode (audience mode, or the host's setting): comments a second that reach everyone */
  ROOM_CHAT_PER_S: int(1, 1000).default(5),
  /** a reserved seat (HTTP create/join, or the SDK's matchmaking) must be taken within this */
  SEAT_RESERVATION_S: seconds.default(15),
  /** Largest WebSocket message accepted, in bytes. */
  MAX_PAYLOAD_BYTES: int(1024, 16 * 1024 * 1024).default(256 * 1024),
  KEY_ATTEMPTS_PER_IP_PER_MIN: int(1, 10_000).default(5),
  KEY_ATTEMPTS_PER_ROOM_PER_HOUR: int(1, 1_000_000).default(30),
  RATE_ROOM_CREATE_PER_HOUR: int(1, 1_000_000).default(10),
  RATE_CONTROL_PER_S: int(1, 10_000).default(2),
  RATE_COMMENT_PER_MIN: int(1, 100_000).default(5),
  /** timeline reactions per user per 10 seconds (in-room; per address RATE_PER_ADDRESS_FACTOR times this) */
  RATE_REACTION_PER_10S: int(1, 10_000).default(5),
  RATE_MANAGE_PER_HOUR: int(1, 1_000_000).default(20),
  /** creates + joins (matchmaking and HTTP) per user per minute */
  RATE_JOIN_PER_MIN: int(1, 100_000).default(10),
  /** a client address may do this many times what one user may (create, join, comment, manage) */
  RATE_PER_ADDRESS_FACTOR: int(1, 10_000).default(10),
  /** guest identities issued per client address per hour (POST /auth/anonymous and joins without a token) */
  RATE_GUEST_IDENTITY_PER_HOUR: int(1, 1_000_000).default(120),
  /** reserved seats not yet taken, per client address in one room */
  MAX_PENDING_SEATS_PER_ADDRESS: int(1, 100_000).default(10),
  /** reserved seats not yet taken in one room, all addresses together */
  MAX_PENDING_SEATS_PER_ROOM: int(1, 100_000).default(100),
  /**
   * Which proxies' X-Forwarded-For entries to believe: a hop count (false/0 = none, true = 1) or a
   * comma list of proxy addresses/CIDRs; the client is the rightmost untrusted address (proxy-addr).
   */
  TRUST_PROXY: z
    .string()
    .default("false")
    .transform((v, ctx) => {
      try {
        return parseTrustProxy(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** enables the Colyseus monitor at /monitor (user "admin"); unset = no monitor */
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  /** set: the monitor is served on this port of 127.0.0.1 only, and not on PORT */
  ADMIN_PORT: int(1, 65535).optional(),
  /** wrong monitor passwords allowed per client address per hour; then 429 until the hour ends */
  ADMIN_LOGIN_FAILURES_PER_IP_PER_HOUR: int(1, 10_000).default(10),
  /** comma-separated browser origins allowed to call the API, or "*"; unset = same-origin only */
  ALLOWED_ORIGINS: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.union([
          z.literal("*"),
          z.string().regex(/^https?:\/\/[^/\s]+$/, "each origin is scheme://host[:port]"),
        ]),
      ),
    ),
  /** a client sending more room messages than this per second is disconnected */
  MAX_MESSAGES_PER_S: int(1, 10_000).default(30),
  CLEANUP_INTERVAL_S: seconds.default(600),
  /** rooms with no activity for this long are removed (never while members are connected) */
  ROOM_INACTIVE_TTL_S: seconds.default(86_400),
  /** sync samples older than this are deleted */
  SAMPLE_TTL_S: seconds.default(21_600),
  /** PostgreSQL: longest wait for a new connection (TCP and start-up) */
  DB_CONNECT_TIMEOUT_MS: int(100, 600_000).default(5000),
  /** PostgreSQL: longest statement (server side); the client gives up 1 s after it */
  DB_STATEMENT_TIMEOUT_MS: int(100, 3_600_000).default(15_000),
  /** PostgreSQL: an idle pooled connection is closed after this */
  DB_IDLE_TIMEOUT_MS: int(1000, 3_600_000).default(30_000),
  /** room writes one room may hold while the database is unreachable; beyond it a write is refused */
  OUTBOX_MAX_WRITES: int(10, 1_000_000).default(1000),
  /** a room write still failing this long after it happened is given up (logged as an error) */
  OUTBOX_GIVE_UP_S: seconds.default(300),
  /** an HTTP change waits this long for its commit; then it is answered 202 (pending) with a write id */
  HTTP_WRITE_WAIT_S: z.coerce.number().min(1).max(300).default(20),
  /** on shutdown, how long rooms may wait for their pending writes before the rest is given up */
  SHUTDOWN_DRAIN_S: seconds.default(8),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** TCP port of the Syncplay gateway (desktop players, docs/syncplay.md); unset = off */
  SYNCPLAY_PORT: int(0, 65535).optional(),
  /** PEM files of a certificate chain and its key: the Syncplay gateway offers STARTTLS */
  SYNCPLAY_TLS_CERT: z.string().min(1).optional(),
  SYNCPLAY_TLS_KEY: z.string().min(1).optional(),
  /** the room's playback is sent to each Syncplay client this often (Syncplay's own servers: 1 s) */
  SYNCPLAY_STATE_INTERVAL_MS: int(100, 5000).default(1000),
  /** a Syncplay connection that sends nothing for this long (after its start-up) is closed */
  SYNCPLAY_IDLE_TIMEOUT_S: seconds.default(30),
  /** a Syncplay connection may be silent until this long after it opened (the client starts its player) */
  SYNCPLAY_START_TIMEOUT_S: seconds.default(60),
  /** let @colyseus/core load @pm2/io (PM2's metrics: ccu and room count in `pm2 monit`) */
  PM2_IO: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});

export type Config = z.infer<typeof schema>;

/** Every setting's name, in schema order (docs/configuration.md is checked against it). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

export class ConfigError extends Error {}

/** Parse and validate; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const config = parsed.data;
  if (config.AUTH_MODE === "jwt" && !config.AUTH_JWT_SECRET === !config.AUTH_JWKS_URL) {
    throw new ConfigError(
      "invalid configuration:\n  AUTH_MODE: jwt needs exactly one of AUTH_JWT_SECRET or AUTH_JWKS_URL",
    );
  }
  if (config.ADMIN_PORT !== undefined && !config.ADMIN_PASSWORD)
    throw new ConfigError(
      "invalid configuration:\n  ADMIN_PORT: serves the monitor, which needs ADMIN_PASSWORD",
    );
  if (!config.SYNCPLAY_TLS_CERT !== !config.SYNCPLAY_TLS_KEY)
    throw new ConfigError(
      "invalid configuration:\n  SYNCPLAY_TLS_CERT: needs SYNCPLAY_TLS_KEY, and the key needs the certificate",
    );
  if (config.HEARTBEAT_TTL_MS < 2 * config.HEARTBEAT_INTERVAL_MS)
    throw new ConfigError(
      "invalid configuration:\n  HEARTBEAT_TTL_MS: must be at least twice HEARTBEAT_INTERVAL_MS",
    );
  if (!config.PUBLIC_ADDRESS && config.PUBLIC_HOST)
    config.PUBLIC_ADDRESS = `${config.PUBLIC_HOST}:${config.PORT}`;
  return config;
}

/** A config for tests and tools: defaults plus overrides, validated the same way. */
export function configWith(overrides: Partial<Record<keyof Config, string | number | boolean>>): Config {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) env[k] = String(v);
  return loadConfig(env);
}

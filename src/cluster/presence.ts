/**
 * Colyseus's Redis presence (pub/sub between processes, the shared counters) on a connection
 * that always comes back after a Redis outage.
 *
 * RedisPresence subscribes on a second connection with `enableReadyCheck: false`. In ioredis 5
 * (5.11.1 here; redis/ioredis#2099, fixed in #2123) such a connection can stop reconnecting for
 * good: when a connection attempt is accepted and closed again at once (Redis behind a proxy or a
 * load balancer that is up while Redis is not) and ioredis gives up on the commands it had queued
 * (`maxRetriesPerRequest`), the late end of its CLIENT SETINFO handshake marks the dead connection
 * "ready" and the pending reconnect is refused. Every later SUBSCRIBE then waits in the offline
 * queue forever, and so does every call into a room on another process (Colyseus subscribes to
 * its reply channel before it starts the call's timeout). Without the handshake commands
 * (`disableClientInfo`) "ready" follows the connect in the same tick, before a close can.
 */
import { RedisPresence } from "@colyseus/redis-presence";
import { Redis, type RedisOptions } from "ioredis";

/**
 * How long a Redis connection waits between attempts to come back: ioredis's default grows to 2 s,
 * so after a long outage each connection (ours, the presence's two, the driver's) came back up to
 * 2 s after Redis did, one after the other; a try every 500 ms at most costs nothing while it is away.
 */
export const RECONNECT: Pick<RedisOptions, "retryStrategy"> = {
  retryStrategy: (times) => Math.min(times * 50, 500),
};

/** `options` only for tests (e.g. fewer retries per command, to reach the give-up sooner). */
export function redisPresence(url: string, options: RedisOptions = {}): RedisPresence {
  // the subscriber is a duplicate of this connection: it inherits the options
  return new RedisPresence(new Redis(url, { ...RECONNECT, ...options, disableClientInfo: true }));
}

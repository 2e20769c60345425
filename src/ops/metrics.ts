/**
 * Prometheus metrics of this process (`GET /metrics`): rooms, members, messages in and out,
 * host-action fan-out latency and member drift as histograms, refused joins by code, request-limit
 * refusals by limit, and prom-client's default process metrics (event-loop delay, memory, GC).
 * Label values come from fixed sets: a message type a client invents is counted as "unknown",
 * so no client can add series (memory) to the registry.
 */
import { readdir } from "node:fs/promises";
import { PerformanceObserver } from "node:perf_hooks";
import { matchMaker } from "@colyseus/core";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { CLIENT_MESSAGE_TYPES } from "../../schema/protocol.ts";
import type { LimitName } from "../security/rate-limits.ts";
import { ERRORS } from "../../schema/errors.ts";
import type { GiveUpReason } from "../db/outbox.ts";

export const registry = new Registry();
// 1 ms sampling: the delay figures then carry at most 1 ms of sampling interval (at 10 ms they would start at ~10)
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1 });
/**
 * Not these: each scrape would list every libuv handle or resource (process._getActiveHandles()
 * twice, getActiveResourcesInfo() twice), one per socket: 60–100 ms of main thread at 18,000
 * members on every scrape (issue 13). `anisync_members` tells the same story.
 */
export const DROPPED_DEFAULT_METRICS = [
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
  "nodejs_active_requests",
  "nodejs_active_requests_total",
] as const;
for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name);

/**
 * prom-client's own `process_open_fds` lists /proc/self/fd with readdirSync: one entry per socket,
 * 20–90 ms of main thread per scrape at 18,000 members (issue 13). The same gauge, listed on
 * libuv's thread pool: only turning the names into strings is left on the main thread.
 */
if (registry.getSingleMetric("process_open_fds")) {
  registry.removeSingleMetric("process_open_fds");
  new Gauge({
    name: "process_open_fds",
    help: "Number of open file descriptors.",
    registers: [registry],
    async collect() {
      // minus the descriptor the listing itself had open
      const fds = await readdir("/proc/self/fd").catch(() => undefined);
      if (fds) this.set(fds.length - 1);
    },
  });
}

/**
 * The longest main-thread GC pause since the last scrape (prom-client's
 * `nodejs_gc_duration_seconds` histogram gives their count and total, not their maximum): what
 * a flat-latency benchmark prints next to the event-loop delay.
 */
let gcPauseMaxS = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMaxS = Math.max(gcPauseMaxS, entry.duration / 1000);
}).observe({ entryTypes: ["gc"] });
new Gauge({
  name: "anisync_gc_pause_max_seconds",
  help: "Longest garbage-collection pause of the main thread since the last scrape (reset by each scrape)",
  registers: [registry],
  collect() {
    this.set(gcPauseMaxS);
    gcPauseMaxS = 0;
  },
});

/** The room message types a client may send; any other type is counted under "unknown". */
export const MESSAGE_TYPES_IN: ReadonlySet<string> = new Set(CLIENT_MESSAGE_TYPES);

/** Makes `inc` map a `type` label outside `known` to "unknown" (callers keep calling `inc({ type })`). */
function boundedTypes<C extends Counter<"type">>(counter: C, known: ReadonlySet<string>): C {
  const inc = counter.inc.bind(counter) as (
    labels?: Partial<Record<"type", string>> | number,
    value?: number,
  ) => void;
  counter.inc = ((labels?: Partial<Record<"type", string>> | number, value?: number) => {
    if (typeof labels !== "object" || labels === null) return inc(labels);
    const type = labels.type !== undefined && known.has(labels.type) ? labels.type : "unknown";
    return inc({ ...labels, type }, value);
  }) as C["inc"];
  return counter;
}

export const metrics = {
  rooms: new Gauge({
    name: "anisync_rooms",
    help: "Live watch_party rooms hosted by this process",
    registers: [registry],
    collect() {
      this.set(matchMaker.stats?.local?.roomCount ?? 0);
    },
  }),
  members: new Gauge({
    name: "anisync_members",
    help: "Connected clients in this process's rooms",
    registers: [registry],
    collect() {
      this.set(matchMaker.stats?.local?.ccu ?? 0);
    },
  }),
  messagesIn: boundedTypes(
    new Counter({
      name: "anisync_messages_in_total",
      help: 'Room messages received, by type ("unknown" for every type the server does not handle)',
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    MESSAGE_TYPES_IN,
  ),
  messagesOut: new Counter({
    name: "anisync_messages_out_total",
    help: "Room messages sent (one per recipient), by type; state patches are counted per broadcast",
    labelNames: ["type"] as const,
    registers: [registry],
  }),
  hostActionFanout: new Histogram({
    name: "anisync_host_action_fanout_seconds",
    help: "From a host action's arrival to its patch written to every member's socket",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.5],
    registers: [registry],
  }),
  memberDrift: new Histogram({
    name: "anisync_member_drift_seconds",
    help: "|drift| of members' status reports (buffering reports excluded)",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  }),
  refusedJoins: new Counter({
    name: "anisync_refused_joins_total",
    help: "Refused creates and joins, by error code",
    labelNames: ["code"] as const,
    registers: [registry],
  }),
  rateLimited: new Counter({
    name: "anisync_rate_limited_total",
    help: "Requests and room messages refused with RATE_LIMITED, by limit (HTTP, matchmaking and in-room)",
    labelNames: ["limit"] as const,
    registers: [registry],
  }),
  dbWritesPending: new Gauge({
    name: "anisync_db_writes_pending",
    help: "Room writes waiting in this process's outboxes for the database (retried while it is unreachable)",
    registers: [registry],
  }),
  dbWriteRetries: new Counter({
    name: "anisync_db_write_retries_total",
    help: "Failed room-write attempts that will be retried",
    registers: [registry],
  }),
  dbWritesGivenUp: new Counter({
    name: "anisync_db_writes_given_up_total",
    help: "Room writes given up, by reason: failed (refused for good), deadline, full (outbox bound), shutdown",
    labelNames: ["reason"] as const,
    registers: [registry],
  }),
  cleanupRuns: new Counter({
    name: "anisync_cleanup_runs_total",
    help: "Cleanup passes this process ran (one per interval across the cluster)",
    registers: [registry],
  }),
  cleanupRemoved: new Counter({
    name: "anisync_cleanup_removed_total",
    help: "Rows removed by cleanup, by kind",
    labelNames: ["kind"] as const,
    registers: [registry],
  }),
};

/** The room messages the server sends, as counted in `anisync_messages_out_total`. */
export const MESSAGE_TYPES_OUT = [
  "patch",
  "welcome",
  "comment",
  "reaction",
  "reaction_counts",
  "comment_batch",
  "error",
  "server_shutdown",
] as const;

// every limit's series exists from the start (0), so dashboards and rate() see them before the first refusal
const LIMITS: Record<LimitName, true> = {
  room_create: true,
  join: true,
  control: true,
  comment: true,
  reaction: true,
  manage: true,
  guest_identity: true,
};
const GIVE_UP_REASONS: Record<GiveUpReason, true> = {
  failed: true,
  deadline: true,
  full: true,
  shutdown: true,
};

/**
 * Every labelled counter whose label values are a fixed set is exported at 0 from start-up, so a
 * dashboard's panels and `rate()` see each series before its first increment (a series that
 * appears at its first increment loses that increment to `rate()`).
 */
function zeroSeries<L extends string>(counter: Counter<L>, label: L, values: Iterable<string>): void {
  for (const value of values) counter.inc({ [label]: value } as Partial<Record<L, string>>, 0);
}
zeroSeries(metrics.rateLimited, "limit", [...Object.keys(LIMITS), "admin_login"]);
zeroSeries(metrics.messagesIn, "type", [...MESSAGE_TYPES_IN, "unknown"]);
zeroSeries(metrics.messagesOut, "type", MESSAGE_TYPES_OUT);
zeroSeries(metrics.refusedJoins, "code", Object.keys(ERRORS));
zeroSeries(metrics.dbWritesGivenUp, "reason", Object.keys(GIVE_UP_REASONS));
zeroSeries(metrics.cleanupRemoved, "kind", ["rooms", "sync_samples"]);

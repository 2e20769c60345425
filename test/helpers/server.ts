/**
 * One real AniSync server per test run, in this process: real WebSockets, real HTTP, the
 * database named by DATABASE_URL (PostgreSQL) or an embedded PGlite in a temp dir, and
 * Redis presence when REDIS_URL is set. Test files share it; each uses its own rooms.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ColyseusTestServer } from "@colyseus/testing";
import { Client, type Room } from "@colyseus/sdk";
import { configWith, type Config } from "../../src/config.ts";
import { createAniSync, type AniSync } from "../../src/server.ts";
import type { WelcomeMessage } from "../../schema/messages.ts";

export const TEST_CONFIG = {
  // the shared server runs the black-box mode (ids as the client says), so tests can name their
  // users; verified identities (guest, jwt) are tested on servers of their own (identity tests)
  AUTH_MODE: "open",
  RECONNECT_WINDOW_S: 2,
  SEAT_RESERVATION_S: 4,
  STATUS_FLUSH_MS: 100,
  BUFFER_WAIT_S: 1.5,
  ADVANCE_COUNTDOWN_S: 1,
  SAMPLE_FLUSH_MS: 200,
  TRUST_PROXY: true,
  LOG_LEVEL: "warn",
  // the shared server lifts request limits so tests can create rooms freely;
  // test/integration/rate-limits.test.ts checks the real defaults on a server of its own
  RATE_ROOM_CREATE_PER_HOUR: 100_000,
  RATE_CONTROL_PER_S: 1000,
  RATE_COMMENT_PER_MIN: 100_000,
  RATE_REACTION_PER_10S: 10_000,
  RATE_MANAGE_PER_HOUR: 100_000,
  RATE_JOIN_PER_MIN: 100_000,
  MAX_PENDING_SEATS_PER_ADDRESS: 100_000,
  MAX_PENDING_SEATS_PER_ROOM: 100_000,
  ADMIN_PASSWORD: "test-admin-password",
  ALLOWED_ORIGINS: "https://friends.example",
  // the Syncplay gateway on any free port (test/integration/syncplay-*.test.ts)
  SYNCPLAY_PORT: 0,
  SYNCPLAY_IDLE_TIMEOUT_S: 3,
  // short bounds for the silence tests, but the real client's start-up (its player start, which
  // blocks it after its TLS probe) takes longer than 3 s on a loaded box
  SYNCPLAY_START_TIMEOUT_S: 20,
} as const;

export interface Harness {
  app: AniSync;
  colyseus: ColyseusTestServer;
  baseUrl: string;
  config: Config;
}

let harness: Promise<Harness> | undefined;

export function testDatabaseEnv(): { DATABASE_URL?: string; DATA_DIR: string; REDIS_URL?: string } {
  return {
    DATABASE_URL: process.env.DATABASE_URL || undefined,
    REDIS_URL: process.env.REDIS_URL || undefined,
    DATA_DIR: process.env.DATABASE_URL ? "./data" : mkdtempSync(path.join(tmpdir(), "anisync-test-")),
  };
}

export function server(): Promise<Harness> {
  harness ??= (async () => {
    const config = configWith({ ...testDatabaseEnv(), ...TEST_CONFIG, PORT: 0, HOST: "127.0.0.1" });
    const app = await createAniSync(config);
    return {
      app,
      colyseus: new ColyseusTestServer(app.colyseus),
      baseUrl: `http://127.0.0.1:${app.port}`,
      config,
    };
  })();
  return harness;
}

export async function stopServer(): Promise<void> {
  if (!harness) return;
  const h = await harness;
  harness = undefined;
  await h.app.stop();
}

let counter = 0;
/** A unique id for this run, so tests never collide on user or anime ids. */
export function uid(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

export function createOptions(overrides: Record<string, unknown> = {}) {
  return {
    title: "Friday night",
    anime_id: uid("anime"),
    anime_title: "Frieren",
    episode_number: 3,
    video_url: "https://videos.example/frieren-03.webm",
    host_user_id: uid("host"),
    host_username: "Hana",
    is_public: true,
    ...overrides,
  };
}

export function sdk(h: Harness): Client {
  return new Client(h.baseUrl);
}

/** Joins and waits for the first full state and the welcome message. */
export async function joined(
  promise: Promise<Room<any>>,
): Promise<{ room: Room<any>; welcome: WelcomeMessage }> {
  const room = await promise;
  room.reconnection.enabled = false;
  const welcome = await nextMessage<WelcomeMessage>(room, "welcome");
  return { room, welcome };
}

export function nextMessage<T = any>(room: Room<any>, type: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${type}" message within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = room.onMessage(type, (payload: T) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Polls until `check` returns a truthy value (the state arrives by patches). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  what = "condition",
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function http(
  h: Harness,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${h.baseUrl}${route}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Expects a promise to reject with a matchmaking error whose message starts with `code`. */
export async function refusedWith(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { code: number; message: string };
    if (!String(e.message).startsWith(`${code}:`)) {
      throw new Error(`expected ${code}, got ${e.code} ${e.message}`, { cause: err });
    }
    return e;
  }
  throw new Error(`expected the call to be refused with ${code}`);
}

/**
 * Rooms a test joined, left after each test of the suite that calls this (also when the test
 * failed), so no test leaves a connection or a live room behind for the next.
 */
export function leftAfterEach(): Room<any>[] {
  const rooms: Room<any>[] = [];
  afterEach(async () => {
    await Promise.all(rooms.splice(0).map((r) => (r.connection?.isOpen ? r.leave() : undefined)));
  });
  return rooms;
}

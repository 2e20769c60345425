/**
 * The host's playback state, stored after every host action and host change: the room's hottest
 * write, so one statement, prepared once per database. Claim and change are one UPDATE guarded
 * by the write version and the generation (the fence of src/db/write-fence.ts, which otherwise
 * takes a transaction of four statements); drizzle builds its SQL once, not per action, and on
 * PostgreSQL it is a named prepared statement of each connection. `npm run bench:host-write`: on PGlite
 * a round trip of 2.8 ms instead of 5.1 and 0.8 ms of the main thread's CPU instead of 1.8
 * (docs/performance.md, "Host-seek fan-out against a bare Colyseus room, third pass").
 */
import { and, eq, lt, sql } from "./drizzle.ts";
import type { Db } from "./connect.ts";
import { rooms } from "./schema.ts";
import { unmatchedFence } from "./write-fence.ts";
import type { PlaybackSnapshot } from "../sync/playback.ts";

export interface HostState {
  playback: PlaybackSnapshot;
  host_user_id: string;
  /** a host action counts in `host_actions`; a host change does not */
  host_action: boolean;
}

const p = (name: string) => sql.placeholder(name);
/** a placeholder as a column's new value (drizzle's `set` takes values or SQL) */
const value = (name: string) => sql`${p(name)}`;

function prepare(db: Db, fencedByEpoch: boolean) {
  const guards = [eq(rooms.room_id, p("room_id")), lt(rooms.write_version, p("version"))];
  if (fencedByEpoch) guards.push(eq(rooms.epoch, p("epoch")));
  return db
    .update(rooms)
    .set({
      is_playing: value("is_playing"),
      position: value("position"),
      updated_at: value("updated_at"),
      rate: value("rate"),
      seq: value("seq"),
      host_user_id: value("host_user_id"),
      last_active_at: value("last_active_at"),
      host_actions: sql`${rooms.host_actions} + ${p("counted")}`,
      write_version: value("version"),
    })
    .where(and(...guards))
    .returning({ epoch: rooms.epoch })
    .prepare(fencedByEpoch ? "anisync_host_state_fenced" : "anisync_host_state");
}

type Prepared = ReturnType<typeof prepare>;
const prepared = new WeakMap<Db, { fenced?: Prepared; open?: Prepared }>();

function statement(db: Db, fencedByEpoch: boolean): Prepared {
  let forDb = prepared.get(db);
  if (!forDb) prepared.set(db, (forDb = {}));
  if (fencedByEpoch) return (forDb.fenced ??= prepare(db, true));
  return (forDb.open ??= prepare(db, false));
}

/**
 * Stores `state` as the room's if `version` is newer than the stored one and the room's generation
 * is still `epoch` (when given): `true` once stored, `false` for a late version or a room that is
 * gone, StaleEpochError when another process holds the room.
 */
export async function storeHostState(
  db: Db,
  roomId: string,
  version: number,
  epoch: number | undefined,
  state: HostState,
): Promise<boolean> {
  const pb = state.playback;
  const stored = await statement(db, epoch !== undefined).execute({
    room_id: roomId,
    version,
    epoch,
    is_playing: pb.is_playing,
    position: pb.position,
    updated_at: pb.updated_at,
    rate: pb.rate,
    seq: pb.seq,
    host_user_id: state.host_user_id,
    last_active_at: new Date().toISOString(),
    counted: state.host_action ? 1 : 0,
  });
  return stored.length > 0 || unmatchedFence(db, roomId, epoch);
}

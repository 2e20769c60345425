/**
 * Listing writes (the driver's room cache in Redis) only from a copy that may still be the
 * room's: never from a fenced copy (its room lives elsewhere now, and removing or overwriting
 * the listing would hide or misroute that one), and not while this process is not current (a
 * stall or a Redis cut: its rooms may have been taken; liveness.ts checks them first). A
 * skipped update still changes the listing in memory, and the check re-lists the copies it
 * keeps (`relist`).
 */
import type { IRoomCache, MatchMakerDriver } from "@colyseus/core";

export interface ListingGuard {
  /** whether the listing of this room may be written from this process now */
  mayWrite(roomId: string | undefined): boolean;
}

type Operations = { $set?: Record<string, unknown>; $inc?: Record<string, number> };

export function guardListings<D extends MatchMakerDriver>(driver: D, guard: ListingGuard): D {
  const persist = driver.persist.bind(driver);
  const update = driver.update.bind(driver);
  const remove = driver.remove.bind(driver);
  driver.persist = (room: IRoomCache, create?: boolean) =>
    guard.mayWrite(room.roomId) ? persist(room, create) : Promise.resolve(false);
  driver.update = (room: IRoomCache, operations: Partial<Operations>) => {
    if (guard.mayWrite(room.roomId)) return update(room, operations);
    applyInMemory(room as unknown as Record<string, unknown>, operations);
    return Promise.resolve(false);
  };
  driver.remove = (roomId: string) => (guard.mayWrite(roomId) ? remove(roomId) : Promise.resolve(false));
  return driver;
}

function applyInMemory(room: Record<string, unknown>, ops: Partial<Operations>): void {
  for (const [field, value] of Object.entries(ops.$set ?? {})) room[field] = value;
  for (const [field, by] of Object.entries(ops.$inc ?? {})) room[field] = Number(room[field] ?? 0) + by;
}

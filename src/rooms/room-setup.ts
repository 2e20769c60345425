/**
 * How a room comes to life: created fresh from verified options (the creator is owner and host;
 * a private room gets a key and an invite), or restored from its stored row after dormancy
 * (paused where it was; open stays closed, so earlier member tokens end; co-hosts keep the role).
 */
import { createRoomOptions } from "../../schema/messages.ts";
import type { Db } from "../db/connect.ts";
import { fencedWrite, WriteClock } from "../db/write-fence.ts";
import * as repo from "../db/rooms-repo.ts";
import { takeRoom } from "../db/fencing-repo.ts";
import { AppError } from "../errors.ts";
import { generateAccessKey, generateInviteSecret } from "../security/access-key.ts";
import { initialPlayback, type PlaybackSnapshot } from "../sync/playback.ts";
import type { OwnerSeat } from "./admission.ts";
import type { RoomSecrets } from "./room-access.ts";
import { OWNER_OPTION, restoredPlayback } from "./restore.ts";

export interface RoomStart {
  described: ReturnType<typeof repo.describeRoom>;
  settings: {
    wait_for_buffering: boolean;
    auto_skip: boolean;
    autoplay_next: boolean;
    control_open: boolean;
    slow_mode: boolean;
  };
  segments: repo.RoomRow["segments"];
  queue: repo.RoomRow["queue"];
  current_item: string;
  playback: PlaybackSnapshot;
  secrets: RoomSecrets | undefined;
  /** the room's stored write version once opened: the room's writes continue above it (write-fence.ts) */
  write_version: number;
  /** verified user ids the host named co-host (they are co-host again whenever they join) */
  cohosts: string[];
  /** a fresh room's creator, whose seat is reserved */
  owner?: OwnerSeat;
  /** the generation this copy holds (src/db/fencing-repo.ts) */
  epoch: number;
}

export async function createRoom(
  db: Db,
  roomId: string,
  options: Record<string, unknown>,
  processId?: string,
): Promise<RoomStart> {
  const { [OWNER_OPTION]: owner, ...given } = options as Record<string, unknown> & {
    [OWNER_OPTION]?: OwnerSeat;
  };
  if (!owner) throw new AppError("UNAUTHORIZED", "rooms are created through the matchmaker");
  const opts = createRoomOptions.parse(given); // already validated at the edge
  const now = Date.now();
  const secrets = opts.is_public
    ? undefined
    : { access_key: generateAccessKey(), invite_secret: generateInviteSecret() };
  const row = {
    room_id: roomId,
    title: opts.title,
    anime_id: opts.anime_id,
    anime_title: opts.anime_title,
    episode_number: opts.episode_number,
    video_url: opts.video_url,
    is_public: opts.is_public,
    access_key: secrets?.access_key ?? null,
    invite_secret: secrets?.invite_secret ?? null,
    host_user_id: owner.user_id,
    owner_user_id: owner.user_id,
    updated_at: now,
    created_at: new Date(now),
    last_active_at: new Date(now),
    status: "live",
    segments: opts.segments ?? [],
    wait_for_buffering: opts.wait_for_buffering ?? true,
    auto_skip: opts.auto_skip ?? false,
    autoplay_next: true,
    control_open: false,
    slow_mode: false,
    queue: [],
    current_item: "",
    epoch: 0,
    process_id: processId ?? null,
  };
  await repo.insertRoom(db, row);
  return {
    ...started(row),
    playback: initialPlayback(now),
    secrets,
    cohosts: [],
    owner,
    write_version: 0,
    epoch: 0,
  };
}

/** Takes the room for this process (a new generation), then loads it paused where it was. */
export async function restoreRoom(db: Db, roomId: string, processId?: string): Promise<RoomStart> {
  const row = await repo.getRoom(db, roomId);
  if (!row) throw new AppError("ROOM_NOT_FOUND");
  const epoch = await takeRoom(db, roomId, row.epoch, processId);
  if (epoch === undefined) throw new AppError("UNAVAILABLE", "another process is taking the room; try again");
  let secrets: RoomSecrets | undefined;
  if (row.access_key !== null) {
    secrets = { access_key: row.access_key, invite_secret: row.invite_secret ?? generateInviteSecret() };
    if (row.invite_secret === null) await repo.setAccess(db, roomId, secrets);
  }
  const playback = restoredPlayback(row, Date.now());
  // a fenced write at a new version and the generation just taken: whatever the room's previous
  // process still has in flight is older
  const version = new WriteClock(row.write_version).next();
  const opened = await fencedWrite(db, roomId, version, epoch, async (tx) => {
    await repo.closeOpenStays(tx, roomId, Date.now());
    await repo.setRoomStatus(tx, roomId, "live", playback);
  });
  if (!opened) throw new AppError("ROOM_NOT_FOUND");
  const cohosts = await repo.cohostsOf(db, roomId);
  return { ...started(row), playback, secrets, cohosts, write_version: version, epoch };
}

function started(
  row: Pick<
    repo.RoomRow,
    | "segments"
    | "wait_for_buffering"
    | "auto_skip"
    | "autoplay_next"
    | "control_open"
    | "slow_mode"
    | "queue"
    | "current_item"
  > &
    Parameters<typeof repo.describeRoom>[0],
) {
  return {
    described: repo.describeRoom(row),
    settings: {
      wait_for_buffering: row.wait_for_buffering,
      auto_skip: row.auto_skip,
      autoplay_next: row.autoplay_next,
      control_open: row.control_open,
      slow_mode: row.slow_mode,
    },
    segments: row.segments,
    queue: row.queue,
    current_item: row.current_item,
  };
}

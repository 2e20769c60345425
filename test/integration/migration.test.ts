import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { startServerProcess } from "../helpers/process.ts";
import { nextMessage } from "../helpers/server.ts";

/** Data written by the schema before identities (migrations 0000–0001) loads after upgrading. */
describe("migration to owners, stays and private comment threads", function () {
  this.timeout(90_000);

  it("rooms and comments stored before the change still load; private rooms leave the public thread", async () => {
    const old = mkdtempSync(path.join(tmpdir(), "anisync-oldmig-"));
    cpSync("migrations", old, { recursive: true });
    const journal = JSON.parse(readFileSync(path.join(old, "meta/_journal.json"), "utf8"));
    journal.entries = journal.entries.filter((e: { idx: number }) => e.idx <= 1);
    writeFileSync(path.join(old, "meta/_journal.json"), JSON.stringify(journal));

    const base = process.env.DATABASE_URL;
    const dbName = `anisync_oldmig_${process.pid}_${Date.now()}`;
    const dataDir = base ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-oldmig-data-"));
    const url = base ? Object.assign(new URL(base), { pathname: `/${dbName}` }).toString() : undefined;
    const run = await oldDatabase(old, base, dbName, dataDir);
    const now = Date.now();
    await run(`INSERT INTO rooms (room_id, title, anime_id, anime_title, episode_number, video_url, is_public,
      access_key, host_user_id, updated_at, status) VALUES
      ('oldPriv1', 'Old private', 'mig-anime', 'Mig', 1, 'https://v.example/1.webm', false, '424242', 'old-host', ${now}, 'dormant'),
      ('oldPub01', 'Old public', 'mig-anime', 'Mig', 1, 'https://v.example/1.webm', true, NULL, 'old-host', ${now}, 'dormant')`);
    await run(
      `INSERT INTO members (room_id, user_id, username, joined_at, left_at) VALUES ('oldPriv1', 'old-host', 'Old', ${now}, ${now})`,
    );
    await run(
      `INSERT INTO comments (kind, anime_id, episode_number, depth, message) VALUES ('anchor', 'mig-anime', 1, 0, 'Episode 1 discussion')`,
    );
    await run(`INSERT INTO comments (kind, anime_id, episode_number, parent_id, depth, user_id, username, message, room_id)
      SELECT 'comment', 'mig-anime', 1, id, 1, 'old-host', 'Old', m.msg, m.room FROM comments,
      (VALUES ('in private', 'oldPriv1'), ('in public', 'oldPub01')) AS m(msg, room) WHERE kind = 'anchor'`);
    await run(null);

    const srv = await startServerProcess({
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
    });
    try {
      const thread = await (
        await fetch(`${srv.baseUrl}/api/comments?anime_id=mig-anime&episode_number=1&order=oldest`)
      ).json();
      assert.deepEqual(
        thread.data.comments.map((c: any) => [c.message, c.room_id]),
        [
          ["in private", null],
          ["in public", "oldPub01"],
        ],
      );
      const room = await new Client(srv.baseUrl).joinById<any>("oldPriv1", {
        user_id: "old-host",
        username: "Old",
        access_key: "424242",
      });
      room.reconnection.enabled = false;
      const welcome = await nextMessage(room, "welcome");
      assert.deepEqual([welcome.is_owner, welcome.is_host, welcome.access_key], [true, true, "424242"]);
      assert.ok(welcome.invite && welcome.invite.length >= 22, "an invite was made for the old private room");
      const stats = await (
        await fetch(`${srv.baseUrl}/api/rooms/oldPriv1/stats`, {
          headers: { authorization: `Bearer ${welcome.member_token}` },
        })
      ).json();
      assert.equal(stats.data.comments, 1);
      await room.leave();
    } finally {
      await srv.stop();
      if (base) await dropDatabase(base, dbName);
    }
  });
});

/** A database migrated only up to the given folder's journal; `run(null)` closes it. */
async function oldDatabase(
  folder: string,
  base: string | undefined,
  name: string,
  dataDir: string | undefined,
) {
  if (base) {
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
    const pool = new pg.Pool({ connectionString: url });
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    await migrate(drizzle(pool), { migrationsFolder: folder });
    return async (q: string | null) => void (q === null ? await pool.end() : await pool.query(q));
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const client = await PGlite.create(path.join(dataDir!, "pglite"));
  await migrate(drizzle(client), { migrationsFolder: folder });
  return async (q: string | null) => void (q === null ? await client.close() : await client.exec(q));
}

async function dropDatabase(base: string, name: string): Promise<void> {
  const { default: pg } = await import("pg");
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

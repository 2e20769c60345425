import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WatchParty } from "../../client/index.ts";
import { startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { eventually, uid } from "../helpers/server.ts";

/** The client SDK against a server in the default mode (AUTH_MODE=guest), through a restart. */
describe("client SDK identity (guest mode)", function () {
  this.timeout(90_000);
  const env = {
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-sdk-id-")),
    REDIS_URL: "",
    LOG_LEVEL: "warn",
    AUTH_MODE: "",
  };
  let srv: ServerProcess | undefined;
  after(async () => {
    await srv?.stop();
  });

  it("keeps the identity the server issued, presents it on join and on rejoin after a restart, and the owner is host again", async () => {
    srv = await startServerProcess(env);
    const options = {
      title: "SDK night",
      anime_id: uid("anime"),
      anime_title: "Frieren",
      episode_number: 1,
      video_url: "https://videos.example/1.webm",
      host_username: "Hana",
      is_public: false,
    };
    const owner = await WatchParty.create(srv.baseUrl, options, {
      rejoin: { baseDelayMs: 200, maxDelayMs: 500 },
    });
    const identity = owner.identityToken;
    const ownerId = owner.userId;
    assert.ok(identity, "a guest identity was issued and kept");
    assert.equal(owner.isOwner, true);
    const link = owner.inviteLink("https://watch.example/");
    assert.match(link ?? "", /^https:\/\/watch\.example\/\?room=[\w-]+#invite=[\w-]{22,}$/);

    // the same identity, given as an option, is the same user (Node keeps it wherever the app stores it)
    const friend = await WatchParty.join(srv.baseUrl, owner.roomId, {
      username: "Gus",
      invite: owner.invite,
    });
    const again = WatchParty.join(
      srv.baseUrl,
      owner.roomId,
      { username: "Hana" },
      { identityToken: identity },
    );
    await assert.rejects(
      again,
      (e: Error) => e.message.startsWith("USER_ALREADY_IN_ROOM:"),
      "the seat is held by that identity",
    );

    const rejoined = new Promise<void>((resolve) => owner.on("rejoin", () => resolve()));
    const port = srv.port;
    await srv.stop();
    srv = await startServerProcess(env, { port });
    await rejoined;
    assert.equal(owner.userId, ownerId, "rejoined as the same verified user");
    assert.equal(owner.identityToken, identity);
    assert.equal(owner.isOwner, true);
    await eventually(() => owner.isHost, 5000, "the owner is host after the restart");
    await friend.leave();
    await owner.leave();
  });
});

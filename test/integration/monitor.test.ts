import assert from "node:assert/strict";
import {
  createOptions,
  eventually,
  http,
  joined,
  leftAfterEach,
  sdk,
  server,
  uid,
  type Harness,
} from "../helpers/server.ts";

const AUTH = { authorization: `Basic ${Buffer.from("admin:test-admin-password").toString("base64")}` };

/** Every key and value in a JSON document, at any depth. */
function* walk(value: unknown, key = ""): Generator<[string, unknown]> {
  yield [key, value];
  if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) yield* walk(v, k);
}

/** No field named like a secret, no value equal to one, no secret inside any text. */
function assertNoSecrets(doc: unknown, secrets: string[], where: string): void {
  const text = JSON.stringify(doc);
  for (const [k, v] of walk(doc)) {
    assert.doesNotMatch(k, /access_key|invite|token|secret/i, `${where}: field "${k}"`);
    for (const s of secrets) assert.notEqual(String(v), s, `${where}: a secret as the value of "${k}"`);
  }
  // the invite and the member tokens are long: they must not occur even inside another string
  for (const s of secrets) if (s.length >= 16) assert.ok(!text.includes(s), `${where}: contains a secret`);
}

describe("the monitor names rooms and shows no key (/monitor/api)", function () {
  this.timeout(60_000);
  let h: Harness;
  const rooms = leftAfterEach();
  before(async () => {
    h = await server();
  });

  it("lists three open rooms with title, episode, visibility and host, and no private key", async () => {
    const pub = await joined(
      sdk(h).create("watch_party", createOptions({ title: "Monitor public", host_username: "Pia" })),
    );
    rooms.push(pub.room);
    const priv = await joined(
      sdk(h).create(
        "watch_party",
        createOptions({
          title: "Monitor private",
          anime_title: "Mushishi",
          episode_number: 7,
          is_public: false,
        }),
      ),
    );
    rooms.push(priv.room);
    const third = await joined(
      sdk(h).create("watch_party", createOptions({ title: "Monitor third", episode_number: 12 })),
    );
    rooms.push(third.room);
    const guest = await joined(
      sdk(h).joinById(priv.room.roomId, {
        user_id: uid("guest"),
        username: "Gus",
        access_key: priv.welcome.access_key,
      }),
    );
    rooms.push(guest.room);
    const created = [pub, priv, third];
    const key = priv.welcome.access_key!;
    assert.match(key, /\S/);
    const secrets = [key, priv.welcome.invite!, ...[...created, guest].map((r) => r.welcome.member_token)];

    assert.equal((await http(h, "GET", "/monitor/api")).status, 401);
    // the rooms refresh their metadata on their clock (every STATUS_FLUSH_MS): wait for the joins to show
    const list = await eventually(
      async () => {
        const res = await http(h, "GET", "/monitor/api", undefined, AUTH);
        const p = res.body.rooms?.find((r: { roomId: string }) => r.roomId === priv.room.roomId);
        return p?.metadata?.members === 2 && p.metadata.host_username === "Hana" ? res : undefined;
      },
      5000,
      "the monitor's listing shows the joined members",
    );
    assert.equal(list.status, 200);
    assertNoSecrets(list.body, secrets, "/monitor/api");

    const headers = list.body.columns.map((c: string | { metadata: string }) =>
      typeof c === "string" ? c : c.metadata,
    );
    for (const c of ["title", "anime_title", "episode_number", "visibility", "host_username", "clients"])
      assert.ok(headers.includes(c), `column ${c} in ${headers.join(", ")}`);

    const listed = (id: string) => list.body.rooms.find((r: { roomId: string }) => r.roomId === id);
    for (const r of created) assert.ok(listed(r.room.roomId), `room ${r.room.roomId} listed`);
    const p = listed(priv.room.roomId);
    assert.equal(p.private, true);
    assert.deepEqual(p.metadata, {
      title: "Monitor private",
      anime_title: "Mushishi",
      episode_number: 7,
      is_public: false,
      visibility: "private",
      host_user_id: priv.welcome.user_id,
      host_username: "Hana",
      members: 2,
    });
    assert.equal(p.clients, 2);
    assert.equal(listed(pub.room.roomId).metadata.title, "Monitor public");
    assert.equal(listed(pub.room.roomId).metadata.host_username, "Pia");
    assert.equal(listed(pub.room.roomId).metadata.visibility, "public");
    assert.equal(listed(third.room.roomId).metadata.episode_number, 12);

    // a room's own page (its state) carries no key either
    for (const r of created) {
      const one = await http(h, "GET", `/monitor/api/room?roomId=${r.room.roomId}`, undefined, AUTH);
      assert.equal(one.status, 200);
      assertNoSecrets(one.body, secrets, `/monitor/api/room ${r.room.roomId}`);
    }

    for (const r of [guest, ...created]) await r.room.leave();
  });

  it("room/call runs only the monitor's own actions: no room field (a private key) comes out", async () => {
    const priv = await joined(sdk(h).create("watch_party", createOptions({ is_public: false })));
    rooms.push(priv.room);
    const id = priv.room.roomId;
    const call = (path: string, method: string, args: string) =>
      http(h, "GET", `${path}?${new URLSearchParams({ roomId: id, method, args })}`, undefined, AUTH);
    for (const path of [
      "/monitor/api/room/call",
      "/monitor/api/room/call/",
      "/monitor/API/room/call",
      "/monitor//api/room/call",
      "/monitor/api/room/%63all",
    ])
      for (const [method, args] of [
        ["secrets", "null"],
        ["svc", "null"],
        ["ownerAct", JSON.stringify([priv.welcome.user_id, "rotate"])],
        ["_sendMessageToClient", "null"],
      ]) {
        const res = await call(path, method!, args!);
        assert.ok(!JSON.stringify(res.body).includes(priv.welcome.access_key!), `${path} ${method}`);
        assert.equal(res.status, 403, `${path} ${method}`);
      }
    // the monitor's own actions still work: a message to one client
    const got = new Promise((resolve) => priv.room.onMessage("monitor_says", resolve));
    const args = JSON.stringify([priv.room.sessionId, "monitor_says", { hi: 1 }]);
    assert.equal((await call("/monitor/api/room/call", "_sendMessageToClient", args)).status, 200);
    assert.deepEqual(await got, { hi: 1 });
    await priv.room.leave();
  });
});

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@colyseus/sdk";
import { createOptions, joined, uid } from "../helpers/server.ts";
import { rawLines, startServerProcess, type ServerProcess } from "../helpers/process.ts";
import { closed, openRaw, reserveSeat, send, WIRE } from "../helpers/raw-socket.ts";

const junk = (n: number, seed: number) => {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (seed * 31 + i * 97 + ((i * i) % 13)) & 0xff;
  return bytes;
};

describe("one log stream: everything the server prints is a JSON line", function () {
  this.timeout(90_000);
  let srv: ServerProcess;

  before(async () => {
    srv = await startServerProcess({
      DATABASE_URL: process.env.DATABASE_URL,
      DATA_DIR: process.env.DATABASE_URL ? undefined : mkdtempSync(path.join(tmpdir(), "anisync-logs-")),
      REDIS_URL: "",
      AUTH_MODE: "open",
      LOG_LEVEL: "info",
      RECONNECT_WINDOW_S: "1",
    });
  });
  after(async () => {
    await srv?.stop("SIGKILL");
  });

  it("hostile clients (garbage frames, sockets closed before the join completes) get no raw stack trace on stdout", async () => {
    const host = await joined(new Client(srv.baseUrl).create("watch_party", createOptions()));
    const roomId = host.room.roomId;
    const seat = () =>
      reserveSeat(srv.baseUrl, "joinById", roomId, { user_id: uid("h"), username: "Hostile" });

    // closed right after the seat is taken, before the join is acknowledged: onDrop on a client
    // that never joined (allowReconnection rejects with "not joined")
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const ws = await openRaw(srv.baseUrl, await seat());
        ws.close();
        await closed(ws);
      }),
    );

    // joined (acknowledged), then garbage the room's decoder cannot read
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const ws = await openRaw(srv.baseUrl, await seat());
        send(ws, new Uint8Array([WIRE.JOIN_ROOM]));
        for (const code of [WIRE.ROOM_DATA, WIRE.ROOM_REQUEST, WIRE.ROOM_DATA_BYTES])
          send(ws, new Uint8Array([code, ...junk(24, i + code)]));
        send(ws, new Uint8Array([WIRE.ROOM_DATA, 0xd9, 0xff])); // a string claiming 255 bytes, then nothing
        send(ws, new Uint8Array([WIRE.ROOM_DATA, 0xa4, 0x70, 0x69, 0x6e, 0x67, 0xc1])); // "ping", then a reserved byte
        // found by the fuzzer: decoder errors of other kinds were logged as server errors with a stack
        send(ws, new Uint8Array([WIRE.ROOM_DATA, 0xa1, 0x78, 0xd4, 106, 0])); // msgpack extension type 106
        send(ws, new Uint8Array([WIRE.ROOM_REQUEST, 1, 0xa1, 0x78, 0xcb, 1, 2])); // a float64 cut after 2 bytes
        send(ws, "not a binary frame");
        send(ws, new Uint8Array(0));
        await new Promise((r) => setTimeout(r, 50));
        ws.close();
        await closed(ws);
      }),
    );

    // garbage before the acknowledgement, then gone
    await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const ws = await openRaw(srv.baseUrl, await seat());
        send(ws, junk(64, i));
        ws.close();
        await closed(ws);
      }),
    );

    // sockets on seats that do not exist
    for (const bogus of [
      `/x/${roomId}?sessionId=nope`,
      `/x/nope?sessionId=nope`,
      `/`,
      `/${"a".repeat(500)}`,
    ]) {
      const ws = await openRaw(srv.baseUrl, bogus);
      ws.close();
      await closed(ws);
    }

    await new Promise((r) => setTimeout(r, 1500)); // reconnection windows (1 s) run out
    assert.equal((await fetch(`${srv.baseUrl}/health`)).status, 200, "the server survived");
    assert.equal(host.room.connection.isOpen, true, "the host is still connected");
    await host.room.leave();

    const raw = rawLines(srv.output());
    assert.deepEqual(raw.slice(0, 20), [], `${raw.length} raw lines in the output`);
    const lines = srv
      .output()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // a socket closed before its join was acknowledged is an ordinary leave, not a process-level fault
    const faults = lines.filter(
      (l) => l.source === "unhandled_rejection" || l.source === "uncaught_exception",
    );
    assert.deepEqual(faults, []);
    // the garbage frames were seen, as info lines about the client, without a stack
    const decode = lines.filter((l) => l.client_fault === true);
    assert.ok(decode.length >= 10, `${decode.length} client-fault lines`);
    for (const l of decode) assert.equal(l.level, "info");
    for (const l of decode) assert.equal(l.stack, undefined);
    const errors = lines.filter((l) => l.level === "error");
    assert.deepEqual(errors, [], "no error lines: nothing here is a server fault");
  });
});

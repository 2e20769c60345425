/** Frames to many members, one socket write each (src/ops/corked-sends.ts), on real `ws` sockets. */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { corkedSends, socketOf } from "../../src/ops/corked-sends.ts";

describe("corked sends (one socket write per member for several frames)", () => {
  let wss: WebSocketServer;
  let server: WebSocket;
  let member: WebSocket;
  const received: string[] = [];
  /** the server socket's writes to the kernel: [single writes, gathered writes] */
  let writes: [number, number];

  beforeEach(async () => {
    wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    const accepted = new Promise<WebSocket>((r) => wss.once("connection", r));
    member = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    member.on("message", (data) => received.push(String(data)));
    server = await accepted;
    received.length = 0;
    writes = [0, 0];
    const socket = socketOf({ ref: server }) as any;
    assert.ok(socket, "ws keeps its TCP socket where corked-sends.ts reads it");
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (...args: unknown[]) => (writes[0]++, write(...args));
    socket._writev = (...args: unknown[]) => (writes[1]++, writev(...args));
  });

  afterEach(() => {
    member.terminate();
    wss.close();
  });

  const arrived = async (n: number) => {
    for (let i = 0; i < 100 && received.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };

  it("two frames sent inside leave in one gathered write, in order", async () => {
    corkedSends([{ ref: server }], () => {
      server.send("batch");
      server.send("patch");
    });
    await arrived(2);
    assert.deepEqual(received, ["batch", "patch"]);
    assert.deepEqual(writes, [0, 1]);
  });

  it("outside it, each frame is its own write", async () => {
    server.send("batch");
    server.send("patch");
    await arrived(2);
    assert.deepEqual(received, ["batch", "patch"]);
    assert.equal(writes[0] + writes[1], 2);
  });

  it("a failing send still uncorks every socket; a client without a socket is skipped", async () => {
    assert.throws(() =>
      corkedSends([{ ref: server }, { sessionId: "syncplay" }, {}], () => {
        server.send("before the failure");
        throw new Error("boom");
      }),
    );
    await arrived(1);
    assert.deepEqual(received, ["before the failure"]);
    assert.equal(socketOf({ ref: server })!.destroyed, false);
    assert.equal((socketOf({ ref: server }) as any).writableCorked, 0);
  });
});

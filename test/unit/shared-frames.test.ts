import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { WebSocketClient } from "@colyseus/ws-transport";
import WebSocket, { WebSocketServer } from "ws";
import { frameOf, installSharedFrames, sharedFrameSends } from "../../src/ops/shared-frames.ts";

/** ws's own framing (exported by the package, not typed) */
const { Sender } = WebSocket as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
};

/** n real sockets: the server's side wrapped as Colyseus wraps it, the member's side collecting frames */
async function sockets(n: number, opts: { deflate?: boolean } = {}) {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: opts.deflate ?? false });
  await new Promise((r) => wss.once("listening", r));
  const port = (wss.address() as AddressInfo).port;
  const serverSides: WebSocket[] = [];
  wss.on("connection", (ws) => serverSides.push(ws));
  const members = await Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: opts.deflate ?? false });
      const got: Buffer[] = [];
      ws.on("message", (data) => got.push(data as Buffer));
      await new Promise((r) => ws.once("open", r));
      return { ws, got };
    }),
  );
  while (serverSides.length < n) await new Promise((r) => setTimeout(r, 5));
  const clients = serverSides.map((ws, i) => new WebSocketClient(`s${i}`, ws as never));
  const close = async () => {
    members.forEach((m) => m.ws.close());
    await new Promise((r) => wss.close(r));
  };
  return { clients, members, serverSides, close };
}

async function until(check: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("shared broadcast frames", () => {
  before(() => installSharedFrames());

  it("frames a payload as ws does, at every length encoding", () => {
    for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 251);
      const theirs = Buffer.concat(
        Sender.frame(Buffer.from(payload), {
          fin: true,
          opcode: 2,
          mask: false,
          readOnly: false,
          rsv1: false,
        }),
      );
      assert.deepEqual(frameOf(payload), theirs, `a payload of ${n} bytes`);
    }
  });

  it("every member gets the payload as sent, on the shared path, whatever the encoder writes next", async () => {
    const s = await sockets(3);
    try {
      const before = { ...sharedFrameSends };
      const shared = new Uint8Array([15, 1, 2, 3, 4]);
      for (const c of s.clients) c.raw(shared);
      shared.fill(0); // Colyseus's encoder reuses its buffer for the next patch
      const big = Uint8Array.from({ length: 70_000 }, (_, i) => i % 256);
      for (const c of s.clients) c.raw(big);
      await until(() => s.members.every((m) => m.got.length === 2));
      for (const m of s.members) {
        assert.deepEqual([...m.got[0]!], [15, 1, 2, 3, 4]);
        assert.deepEqual(m.got[1], Buffer.from(big));
      }
      assert.equal(sharedFrameSends.shared - before.shared, 6);
      assert.equal(sharedFrameSends.ws - before.ws, 0);
    } finally {
      await s.close();
    }
  });

  it("keeps order with ws's own sends on the same socket", async () => {
    const s = await sockets(1);
    try {
      const [client] = s.clients;
      const ws = s.serverSides[0]!;
      for (let i = 0; i < 20; i++) {
        if (i % 2) ws.send(Buffer.from([i]));
        else client!.raw(new Uint8Array([i]));
      }
      await until(() => s.members[0]!.got.length === 20);
      assert.deepEqual(
        s.members[0]!.got.map((b) => b[0]),
        Array.from({ length: 20 }, (_, i) => i),
      );
    } finally {
      await s.close();
    }
  });

  it("leaves a send with a callback, a compressed socket and a closing socket to ws", async () => {
    const s = await sockets(1);
    const d = await sockets(1, { deflate: true });
    try {
      const before = { ...sharedFrameSends };
      await new Promise<void>((resolve, reject) =>
        s.clients[0]!.raw(new Uint8Array([1]), undefined, (err?: Error) => (err ? reject(err) : resolve())),
      );
      d.clients[0]!.raw(new Uint8Array([2]));
      await until(() => s.members[0]!.got.length === 1 && d.members[0]!.got.length === 1);
      assert.deepEqual([...d.members[0]!.got[0]!], [2]);
      s.serverSides[0]!.close();
      assert.doesNotThrow(() => s.clients[0]!.raw(new Uint8Array([3])));
      assert.equal(sharedFrameSends.ws - before.ws, 3);
      assert.equal(sharedFrameSends.shared - before.shared, 0);
    } finally {
      await s.close();
      await d.close();
    }
  });
});

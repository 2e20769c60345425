import assert from "node:assert/strict";
import { decodeLine, encode, LineSplitter, typeLabel } from "../../src/syncplay/codec.ts";

describe("Syncplay wire format", () => {
  it("decodes the real client's Hello, password and features included", () => {
    const line = JSON.stringify({
      Hello: {
        username: " Mika ",
        password: "123456",
        room: { name: "abc" },
        version: "1.2.255",
        realversion: "1.6.9",
        features: { chat: true },
      },
    });
    assert.deepEqual(decodeLine(line), {
      ok: true,
      message: {
        type: "Hello",
        hello: {
          username: "Mika",
          room: "abc",
          version: "1.6.9",
          password: "123456",
          features: { chat: true },
        },
      },
    });
  });

  it("decodes a State with playstate, ping and ignoringOnTheFly", () => {
    const d = decodeLine(
      '{"State":{"playstate":{"position":12.5,"paused":false,"doSeek":true},"ping":{"latencyCalculation":1.5,"clientLatencyCalculation":2.5,"clientRtt":0.01},"ignoringOnTheFly":{"client":1}}}',
    );
    assert.deepEqual(d, {
      ok: true,
      message: {
        type: "State",
        state: {
          playstate: { position: 12.5, paused: false, doSeek: true },
          latencyCalculation: 1.5,
          clientLatencyCalculation: 2.5,
          clientRtt: 0.01,
          ignoringOnTheFly: { client: 1 },
        },
      },
    });
  });

  it("keeps the Set keys it knows and drops bad values", () => {
    const d = decodeLine(
      '{"Set":{"ready":{"isReady":true,"manuallyInitiated":true},"file":{"name":"ep3.mkv","duration":1420.5,"size":"x"},"playlistIndex":{"index":2},"features":{}}}',
    );
    assert.deepEqual(d, {
      ok: true,
      message: {
        type: "Set",
        set: {
          ready: { isReady: true, manuallyInitiated: true },
          file: { name: "ep3.mkv", duration: 1420.5 },
          playlistIndex: { index: 2 },
        },
      },
    });
  });

  it("refuses what is not a message: bad JSON, arrays, two keys, unknown types, malformed bodies", () => {
    for (const line of ["{", "[1]", '{"State":{},"Chat":"x"}', '{"Nope":{}}', '{"Chat":5}', '{"Hello":{}}']) {
      const d = decodeLine(line);
      assert.equal(d?.ok, false, line);
    }
    assert.equal(decodeLine("   "), undefined, "blank lines are ignored");
  });

  it("labels a type outside the protocol as unknown", () => {
    assert.equal(typeLabel("State"), "State");
    assert.equal(typeLabel("x".repeat(100)), "unknown");
  });

  it("encodes one line ending in CRLF", () => {
    assert.equal(
      encode({ Chat: { username: "a", message: "b" } }),
      '{"Chat":{"username":"a","message":"b"}}\r\n',
    );
  });

  it("splits lines across chunks, CRLF or LF", () => {
    const s = new LineSplitter();
    assert.deepEqual(s.push(Buffer.from('{"List":null}\r\n{"Ch')), {
      lines: ['{"List":null}'],
      tooLong: false,
    });
    assert.deepEqual(s.push(Buffer.from('at":"hi"}\n')), { lines: ['{"Chat":"hi"}'], tooLong: false });
  });

  it("reports a line over the limit before it ends, holding no more than the limit", () => {
    const s = new LineSplitter(100);
    assert.equal(s.push(Buffer.alloc(60, 97)).tooLong, false);
    assert.equal(s.push(Buffer.alloc(60, 97)).tooLong, true);
    const t = new LineSplitter(100);
    assert.equal(t.push(Buffer.from(`${"a".repeat(150)}\n`)).tooLong, true);
  });
});

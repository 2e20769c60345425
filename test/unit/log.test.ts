import assert from "node:assert/strict";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { createLogger } from "../../src/log.ts";
import { colyseusLogger } from "../../src/ops/log-stream.ts";

describe("structured logs", () => {
  it("redact anything named like a key, token or secret, however deep", () => {
    const lines: string[] = [];
    const log = createLogger("info", (l) => lines.push(l));
    log.info("join", { access_key: "123456", nested: { member_token: "abc.def" }, user_id: "u1" });
    log.debug("hidden below the level");
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!);
    assert.equal(entry.access_key, "[redacted]");
    assert.equal(entry.nested.member_token, "[redacted]");
    assert.equal(entry.user_id, "u1");
    assert.ok(!lines[0]!.includes("123456"));
  });
});

describe("driver errors in the log", () => {
  it("a failed query is logged with its SQL and without its parameters (user data)", () => {
    const lines: string[] = [];
    const log = createLogger("info", (l) => lines.push(l));
    const cause = new Error("value too long for type character varying(2000)");
    const err = new DrizzleQueryError(
      'insert into "comments" ("body", "user_id") values ($1, $2)',
      ["my secret diary entry, line 1\nline 2", "user-42"],
      cause,
    );
    log.error("room write failed", { err });
    const entry = JSON.parse(lines[0]!);
    assert.match(entry.err.message, /^Failed query: insert into "comments"/);
    assert.equal(entry.err.cause.message, cause.message);
    assert.ok(!lines[0]!.includes("secret diary"), lines[0]);
    assert.ok(!lines[0]!.includes("user-42"), lines[0]);
  });
});

describe("Colyseus's output through our log", () => {
  const capture = () => {
    const lines: string[] = [];
    const logger = colyseusLogger(createLogger("debug", (l) => lines.push(l)));
    return { logger, entries: () => lines.map((l) => JSON.parse(l)) };
  };

  it("a stack trace becomes one line: the message, and a few frames as a field", () => {
    const { logger, entries } = capture();
    const err = new Error("onJoin error");
    logger.error(err.stack);
    const [e] = entries();
    assert.equal(e.level, "error");
    assert.equal(e.msg, "Error: onJoin error");
    assert.equal(e.source, "colyseus");
    assert.ok(e.stack.length > 0 && e.stack.length <= 8);
    assert.match(e.stack[0], /^at /);
  });

  it("a frame the decoder cannot read is an info line about the client, cut short and without a stack", () => {
    const { logger, entries } = capture();
    logger.error(
      `Error: Data read, but end of buffer not reached "${"x".repeat(5000)}"\n    at unpack (msgpackr)`,
    );
    const [e] = entries();
    assert.equal(e.level, "info");
    assert.equal(e.client_fault, true);
    assert.equal(e.stack, undefined);
    assert.ok(e.msg.length <= 300);
  });

  it("any error thrown from inside the msgpack decoder is about the client", () => {
    const { logger, entries } = capture();
    logger.error(
      [
        "RangeError: Offset is outside the bounds of the DataView",
        "    at DataView.prototype.getFloat64 (<anonymous>)",
        "    at read (/app/node_modules/msgpackr/unpack.js:402:22)",
        "    at RoomMessages.onRequest (/app/node_modules/@colyseus/core/build/RoomMessages.mjs:150:49)",
      ].join("\n"),
    );
    logger.error("RangeError: Offset is outside the bounds of the DataView\n    at ours (/app/src/x.ts:1:1)");
    const [decoder, ours] = entries();
    assert.equal(decoder.level, "info");
    assert.equal(decoder.client_fault, true);
    assert.equal(ours.level, "error");
    assert.equal(ours.client_fault, undefined);
  });

  it("a failed query inside a stack string loses its parameters", () => {
    const { logger, entries } = capture();
    logger.error(
      'DrizzleQueryError: Failed query: insert into "comments" values ($1)\nparams: hello from Bob\n    at x (y.ts:1:1)',
    );
    const [e] = entries();
    assert.equal(
      e.msg,
      'DrizzleQueryError: Failed query: insert into "comments" values ($1) params: [redacted]',
    );
    assert.deepEqual(e.stack, ["at x (y.ts:1:1)"]);
  });
});

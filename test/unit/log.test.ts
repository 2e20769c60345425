import assert from "node:assert/strict";
import { createLogger } from "../../src/log.ts";

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

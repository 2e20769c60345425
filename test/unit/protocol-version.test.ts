import assert from "node:assert/strict";
import { PROTOCOL_VERSION, protocolRefusal, withProtocol } from "../../schema/protocol.ts";

describe("protocol version (schema/protocol.ts)", () => {
  it("accepts options without a version, and versions of a major this server speaks", () => {
    assert.equal(protocolRefusal({ username: "A" }), undefined);
    assert.equal(protocolRefusal(undefined), undefined);
    assert.equal(protocolRefusal({ protocol_version: PROTOCOL_VERSION }), undefined);
    assert.equal(protocolRefusal({ protocol_version: "1.7" }), undefined, "a later minor of the same major");
  });

  it("refuses another major, naming both", () => {
    const refusal = protocolRefusal({ protocol_version: "2.0" });
    assert.match(refusal ?? "", /^protocol_version: this server speaks 1\.x, not 2\.0/);
    assert.ok(protocolRefusal({ protocol_version: "0.9" }));
  });

  it("leaves a malformed version to the options' schema", () => {
    assert.equal(protocolRefusal({ protocol_version: "two" }), undefined);
    assert.equal(protocolRefusal({ protocol_version: 2 }), undefined);
  });

  it("the SDK's options carry its version, over one the caller set", () => {
    assert.deepEqual(withProtocol({ username: "A", protocol_version: "9.9" }), {
      username: "A",
      protocol_version: PROTOCOL_VERSION,
    });
  });
});

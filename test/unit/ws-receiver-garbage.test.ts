import assert from "node:assert/strict";
import { releaseFragmentsAfterMessage, transportReceiver } from "../../src/ops/ws-receiver-garbage.ts";

/** A client's masked binary frame, as a browser sends it. */
function maskedFrame(payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x82, 0x80 | payload.length]), mask, body]);
}

describe("ws receiver: a finished message's fragment array is emptied (issue 13)", () => {
  it("the array that held a message's frame points at nothing once the message is out; the message is intact", () => {
    assert.equal(releaseFragmentsAfterMessage(), true);
    assert.equal(releaseFragmentsAfterMessage(), true, "a second call changes nothing");
    const Receiver = transportReceiver() as unknown as new (opts: object) => {
      _fragments: unknown[];
      on(e: "message", fn: (data: Buffer) => void): void;
      write(chunk: Buffer): void;
    };
    const r = new Receiver({ isServer: true, binaryType: "nodebuffer", maxPayload: 4096 });
    const got: Buffer[] = [];
    r.on("message", (data) => got.push(Buffer.from(data)));
    for (const text of ["status one", "status two"]) {
      const waiting = r._fragments; // the array this message's frame will go into
      r.write(maskedFrame(Buffer.from(text)));
      assert.notEqual(r._fragments, waiting);
      // without the fix it still holds the frame's Buffer (and through it the socket read's memory)
      assert.equal(waiting.length, 0);
    }
    assert.deepEqual(
      got.map((b) => b.toString()),
      ["status one", "status two"],
    );
  });
});

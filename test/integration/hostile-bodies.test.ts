import assert from "node:assert/strict";
import { request, type Server as HttpServer } from "node:http";
import { hashedKeysReady } from "../../src/syncplay/hashed-key.ts";
import { createOptions, http, refusedWith, sdk, server, type Harness } from "../helpers/server.ts";

interface Answer {
  status: number;
  body: any;
  sentBytes: number;
}

/**
 * Sends up to `totalBytes` of body in 64 KB chunks (chunked unless `contentLength` is given) and
 * stops writing as soon as the server answers. A connection the server closes after answering is fine.
 */
function sendBody(
  h: Harness,
  path: string,
  totalBytes: number,
  opts: { contentLength?: number; method?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.contentLength !== undefined) headers["content-length"] = String(opts.contentLength);
    const req = request(`${h.baseUrl}${path}`, { method: opts.method ?? "POST", headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", () => undefined);
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, sentBytes });
        // the answer is complete: drop the connection, so a half-sent body leaves no socket behind
        req.destroy();
      });
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, "x");
    const write = () => {
      while (!answered && !req.destroyed && sentBytes < totalBytes) {
        const first = sentBytes === 0;
        const piece = first ? Buffer.concat([Buffer.from('{"title":"'), chunk]) : chunk;
        sentBytes += piece.length;
        if (!req.write(piece)) {
          req.once("drain", write);
          return;
        }
      }
      if (!answered && !req.destroyed && opts.contentLength === undefined) req.end();
    };
    write();
  });
}

describe("request bodies are limited to 64 KB on every HTTP entry", function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await server();
    // the Syncplay gateway's key table (8 MB, built in slices after start-up) would count in the RSS below
    await hashedKeysReady();
  });

  const tooLarge = (a: Answer) => {
    assert.equal(a.status, 413, JSON.stringify(a.body)?.slice(0, 200));
    assert.deepEqual(a.body, { error: { code: "PAYLOAD_TOO_LARGE", message: "body: too large" } });
  };
  /** The matchmaker answers in Colyseus's shape, which the SDK reads. */
  const tooLargeForSdk = (a: Answer) => {
    assert.equal(a.status, 413, JSON.stringify(a.body)?.slice(0, 200));
    assert.deepEqual(a.body, { code: 413, error: "PAYLOAD_TOO_LARGE: body: too large" });
  };

  it("a chunked 32 MB body to the matchmaker is 413 and is never buffered", async () => {
    const total = 32 * 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    const answer = await sendBody(h, "/matchmake/create/watch_party", total).finally(() =>
      clearInterval(sampler),
    );
    const grewBy = Math.max(peak, process.memoryUsage().rss) - rssBefore;
    tooLargeForSdk(answer);
    // the answer comes while the client is still sending (socket buffers hold a few MB), not after 32 MB;
    // RSS alone would not show a buffered body: freed large buffers go back to the OS at once
    assert.ok(answer.sentBytes < total / 4, `${answer.sentBytes} bytes sent before the answer`);
    assert.ok(grewBy < 12 * 1024 * 1024, `RSS grew by ${Math.round(grewBy / 1024 / 1024)} MB`);
  });

  it("a chunked 2 MB body to the API is 413", async () => {
    tooLarge(await sendBody(h, "/api/rooms", 2 * 1024 * 1024));
  });

  it("a Content-Length over the limit is refused before the body is read", async () => {
    // 1 KB sent of a declared 10 MB: only an answer that does not wait for the body arrives
    tooLargeForSdk(await sendBody(h, "/matchmake/create/watch_party", 1024, { contentLength: 10_000_000 }));
    tooLarge(await sendBody(h, "/api/rooms", 1024, { contentLength: 10_000_000 }));
  });

  it("a 100 KB JSON body is 413; 60 KB reaches validation", async () => {
    tooLarge({
      ...(await http(h, "POST", "/api/rooms", createOptions({ title: "x".repeat(100_000) }))),
      sentBytes: 0,
    });
    const justUnder = await http(h, "POST", "/api/rooms", createOptions({ title: "x".repeat(60_000) }));
    assert.equal(justUnder.status, 400);
    assert.match(justUnder.body.error.message, /^title:/);
    assert.equal((await http(h, "GET", "/health")).status, 200);
  });

  it("the SDK sees a 100 KB create as a refused join with PAYLOAD_TOO_LARGE", async () => {
    const options = createOptions({ title: "x".repeat(100_000) });
    const e = await refusedWith(sdk(h).create("watch_party", options), "PAYLOAD_TOO_LARGE");
    assert.equal(e.code, 413);
  });

  it("a NUL character in a user id, a name or a comment is refused before it reaches the database", async () => {
    const host = await sdk(h).create("watch_party", createOptions());
    try {
      const e = await refusedWith(
        sdk(h).joinById(host.roomId, { user_id: "nul\u0000id", username: "N" }),
        "INVALID_INPUT",
      );
      assert.match(e.message, /user_id: must not contain a NUL character/);
      const res = await http(h, "POST", "/api/rooms", createOptions({ host_username: "a\u0000b" }));
      assert.equal(res.status, 400);
      assert.match(res.body.error.message, /host_username: must not contain a NUL character/);
      host.send("comment", { message: "a\u0000b" });
      const refused = await new Promise<{ code: string; message: string }>((resolve) =>
        host.onMessage("error", resolve),
      );
      assert.equal(refused.code, "INVALID_INPUT");
      assert.match(refused.message, /message: must not contain a NUL character/);
    } finally {
      await host.leave();
    }
  });

  it("malformed JSON is 400 INVALID_INPUT at the API and at the matchmaker", async () => {
    const api = await http(h, "POST", "/api/rooms", "{not json");
    assert.deepEqual(api.body, { error: { code: "INVALID_INPUT", message: "body: malformed JSON" } });
    const mm = await http(h, "POST", "/matchmake/create/watch_party", "{not json");
    assert.equal(mm.status, 400);
    assert.deepEqual(mm.body, { code: 400, error: "INVALID_INPUT: body: malformed JSON" });
  });

  it("slow requests are cut off: the HTTP server has request and header timeouts", () => {
    const srv = (h.app.colyseus as unknown as { transport: { server: HttpServer } }).transport.server;
    assert.ok(srv.headersTimeout > 0 && srv.headersTimeout <= 10_000, `headersTimeout ${srv.headersTimeout}`);
    assert.ok(srv.requestTimeout > 0 && srv.requestTimeout <= 30_000, `requestTimeout ${srv.requestTimeout}`);
  });
});

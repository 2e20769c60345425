/**
 * STARTTLS on the Syncplay gateway (SYNCPLAY_TLS_CERT/KEY): the probe is answered "true" in clear,
 * then the same connection speaks TLS. A self-signed certificate made with openssl for the test.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { Client, type Room } from "@colyseus/sdk";
import { freePort, startServerProcess, stoppedAfterEach } from "../helpers/process.ts";
import { createOptions, joined } from "../helpers/server.ts";

/** Reads JSON lines from a stream; `next()` resolves with the next one. */
function lines(stream: Socket | TLSSocket) {
  let buf = "";
  const queue: Record<string, any>[] = [];
  const waiters: ((m: Record<string, any>) => void)[] = [];
  const onData = (d: Buffer) => {
    buf += d.toString("utf8");
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const m = JSON.parse(line) as Record<string, any>;
      const w = waiters.shift();
      if (w) w(m);
      else queue.push(m);
    }
  };
  stream.on("data", onData);
  return {
    next: () =>
      new Promise<Record<string, any>>((resolve, reject) => {
        const m = queue.shift();
        if (m) return resolve(m);
        const timer = setTimeout(() => reject(new Error("no line within 5 s")), 5000);
        waiters.push((x) => (clearTimeout(timer), resolve(x)));
      }),
    off: () => stream.off("data", onData),
  };
}

describe("Syncplay gateway over STARTTLS", function () {
  this.timeout(60_000);
  let host: Room<any> | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await host?.leave().catch(() => {});
    host = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const processes = stoppedAfterEach();

  it("answers the probe with startTLS true and continues in TLS: Hello, then the room's State", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "anisync-tls-"));
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"],
        ...["-subj", "/CN=localhost", "-keyout", key, "-out", cert],
      ],
      { stdio: "ignore" },
    );
    const port = await freePort();
    const srv = await startServerProcess({
      // its own limits: CI's REDIS_URL would share the rate-limit counters of every other test
      REDIS_URL: "",
      LOG_LEVEL: "warn",
      AUTH_MODE: "open",
      SYNCPLAY_PORT: String(port),
      SYNCPLAY_TLS_CERT: cert,
      SYNCPLAY_TLS_KEY: key,
    });
    processes.push(srv);
    host = (await joined(new Client(srv.baseUrl).create("watch_party", createOptions()))).room;

    const plain = await new Promise<Socket>((resolve, reject) => {
      const s = tcpConnect(port, "127.0.0.1", () => resolve(s));
      s.once("error", reject);
    });
    const clear = lines(plain);
    plain.write(`${JSON.stringify({ TLS: { startTLS: "send" } })}\r\n`);
    assert.deepEqual(await clear.next(), { TLS: { startTLS: "true" } });
    clear.off();
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: "localhost" }, () =>
        resolve(s),
      );
      s.once("error", reject);
    });
    const over = lines(secure);
    secure.write(
      `${JSON.stringify({ Hello: { username: "Mika", room: { name: host.roomId }, version: "1.6.9", features: {} } })}\r\n`,
    );
    const hello = await over.next();
    assert.equal(hello.Hello?.room?.name, host.roomId);
    for (;;) {
      const m = await over.next();
      if (m.State) {
        assert.equal(typeof m.State.ping.latencyCalculation, "number");
        break;
      }
    }
    secure.destroy();
  });
});

import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { configWith } from "../../src/config.ts";
import {
  addressKey,
  clientIp,
  parseTrustProxy,
  pinClientIp,
  trustFunction,
} from "../../src/security/client-ip.ts";

function request(socket: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: socket }, headers: { ...headers } } as unknown as IncomingMessage;
}

function addressOf(trustProxy: string, socket: string, headers: Record<string, string> = {}): string {
  const req = request(socket, headers);
  pinClientIp(req, trustFunction(parseTrustProxy(trustProxy)));
  assert.equal(req.headers["x-forwarded-for"], undefined, "the forwarding header is removed");
  return clientIp(req);
}

describe("the client address (TRUST_PROXY)", () => {
  it("without TRUST_PROXY a client cannot pick its own address with X-Forwarded-For or X-Real-IP", () => {
    const spoof = { "x-forwarded-for": "6.6.6.6", "x-real-ip": "7.7.7.7", "x-client-ip": "8.8.8.8" };
    assert.equal(addressOf("false", "203.0.113.9", spoof), "203.0.113.9");
  });

  it("a hop count believes that many proxies and takes the rightmost address they did not add", () => {
    const chain = { "x-forwarded-for": "6.6.6.6, 203.0.113.5, 10.0.0.2" };
    assert.equal(addressOf("1", "127.0.0.1", chain), "10.0.0.2");
    assert.equal(addressOf("2", "127.0.0.1", chain), "203.0.113.5");
    // a forged first entry is never believed: one hop takes what the proxy appended
    assert.equal(addressOf("1", "127.0.0.1", { "x-forwarded-for": "6.6.6.6, 203.0.113.5" }), "203.0.113.5");
  });

  it("true is one hop, not 'believe any X-Forwarded-For'", () => {
    assert.equal(parseTrustProxy("true"), 1);
    assert.equal(
      addressOf("true", "127.0.0.1", { "x-forwarded-for": "6.6.6.6, 203.0.113.5" }),
      "203.0.113.5",
    );
  });

  it("a CIDR list trusts only those proxies: the rightmost address outside them is the client", () => {
    const trust = "127.0.0.1/8, 10.0.0.0/8";
    const chain = { "x-forwarded-for": "6.6.6.6, 203.0.113.5, 10.1.2.3" };
    assert.equal(addressOf(trust, "127.0.0.1", chain), "203.0.113.5");
    // a request that does not come through a listed proxy keeps its socket address
    assert.equal(addressOf(trust, "198.51.100.4", chain), "198.51.100.4");
    assert.equal(addressOf("loopback", "::1", { "x-forwarded-for": "2001:db8::5" }), "2001:db8::5");
  });

  it("an IPv4-mapped IPv6 socket address is its IPv4 address, also when matching proxy ranges", () => {
    assert.equal(addressOf("false", "::ffff:192.0.2.44"), "192.0.2.44");
    assert.equal(
      addressOf("10.0.0.0/8", "::ffff:10.0.0.1", { "x-forwarded-for": "192.0.2.45" }),
      "192.0.2.45",
    );
  });

  it("a bad TRUST_PROXY stops the start with the variable named", () => {
    assert.throws(() => configWith({ TRUST_PROXY: "10.0.0.0/99" }), /TRUST_PROXY/);
    assert.throws(() => configWith({ TRUST_PROXY: "yes please" }), /TRUST_PROXY/);
    assert.deepEqual(configWith({ TRUST_PROXY: " 10.0.0.0/8 ,loopback" }).TRUST_PROXY, [
      "10.0.0.0/8",
      "loopback",
    ]);
    assert.equal(configWith({}).TRUST_PROXY, 0);
  });
});

describe("what per-address limits count", () => {
  it("an IPv6 address counts per /64; an IPv4-mapped one as IPv4", () => {
    assert.equal(addressKey("2001:db8:1:2:aaaa::1"), addressKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"));
    assert.notEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"));
    assert.equal(addressKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
    assert.equal(addressKey("::ffff:198.51.100.3"), "198.51.100.3");
    assert.equal(addressKey("198.51.100.3"), "198.51.100.3");
    assert.equal(addressKey(addressKey("2001:db8:1:2::1")), "2001:db8:1:2::/64");
  });
});

/**
 * The caller's address for throttling. X-Forwarded-For is read only through the proxies
 * TRUST_PROXY names (a hop count or proxy addresses/CIDRs), like Express's `trust proxy`: the
 * client is the rightmost address no trusted proxy added (proxy-addr). pinClientIp writes that
 * address into X-Real-IP and removes the forwarding headers before any route or Colyseus's
 * matchmaker reads them, so a client cannot pick its own "IP". Limits count an IPv6 client per
 * /64 (one subscriber's network), an IPv4-mapped IPv6 address as its IPv4 address.
 */
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";

/** TRUST_PROXY parsed: how many proxy hops to trust, or which proxy addresses/ranges. */
export type TrustProxy = number | string[];

/** `false`/`0`: none; `true`: 1 hop; `N`: N hops; otherwise a comma list (`loopback`, `10.0.0.0/8`, …). */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === "false") return 0;
  if (v === "true") return 1;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 100) throw new Error("a hop count is at most 100");
    return hops;
  }
  const list = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error("a hop count, true/false, or a comma list of proxy addresses/CIDRs");
  try {
    proxyaddr.compile(list);
  } catch (err) {
    throw new Error(`${(err as Error).message} (a hop count or proxy addresses/CIDRs)`, { cause: err });
  }
  return list;
}

/** The trust function proxy-addr asks for each hop (0 = the socket's peer). */
export function trustFunction(trust: TrustProxy): (addr: string, hop: number) => boolean {
  if (typeof trust === "number") return (_addr, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/** Runs first on every HTTP request and WebSocket upgrade. */
export function pinClientIp(req: IncomingMessage, trust: (addr: string, hop: number) => boolean): void {
  const addr = req.socket.remoteAddress ? proxyaddr(req, trust) : undefined;
  req.headers["x-real-ip"] = addr ? plainAddress(addr) : "unknown";
  delete req.headers["x-forwarded-for"];
  delete req.headers["x-client-ip"];
}

/** After pinClientIp: the client's address. */
export function clientIp(req: IncomingMessage): string {
  const real = req.headers["x-real-ip"];
  return (typeof real === "string" && real) || req.socket.remoteAddress || "unknown";
}

/** An address as people write it; an IPv4-mapped IPv6 address as its IPv4 address. */
export function plainAddress(addr: string): string {
  if (!ipaddr.isValid(addr)) return addr;
  const parsed = ipaddr.parse(addr);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  return parsed.toString();
}

/** What per-address limits count: an IPv4 address, or an IPv6 address's /64. */
export function addressKey(addr: string): string {
  const plain = plainAddress(addr);
  if (!ipaddr.IPv6.isValid(plain)) return plain;
  const parts = ipaddr.IPv6.parse(plain).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(":")}::/64`;
}

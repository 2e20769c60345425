/**
 * The caller's address for throttling. Forwarded headers are honoured only when TRUST_PROXY
 * is set; otherwise they are overwritten with the socket's address before any route sees
 * them, so a client cannot pick its own "IP".
 */
import type { IncomingMessage } from "node:http";

export function pinClientIp(req: IncomingMessage, trustProxy: boolean): void {
  if (trustProxy && (req.headers["x-forwarded-for"] || req.headers["x-real-ip"])) return;
  req.headers["x-real-ip"] = req.socket.remoteAddress ?? "unknown";
  delete req.headers["x-forwarded-for"];
}

/** After pinClientIp: the first hop of the chain the request carries. */
export function clientIp(req: IncomingMessage): string {
  const real = req.headers["x-real-ip"];
  if (typeof real === "string" && real) return real;
  const fwd = req.headers["x-forwarded-for"];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(",")[0]?.trim();
  return first || req.socket.remoteAddress || "unknown";
}

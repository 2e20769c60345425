/**
 * The Syncplay client's address, carried into matchmaking. The gateway joins rooms over HTTP
 * from inside the server, so without this every Syncplay viewer would count as the server's own
 * address in the per-address limits and the key-guess throttle (one guesser would lock every
 * Syncplay viewer out). The gateway sends the viewer's address in a header signed with a key
 * derived from TOKEN_SECRET; `acceptPeerAddress` (run right after pinClientIp) believes it only
 * with the right signature, and always removes the header.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { plainAddress } from "../security/client-ip.ts";

export const PEER_HEADER = "x-anisync-syncplay-peer";

function sign(secret: string, address: string): string {
  return createHmac("sha256", secret).update(address).digest("base64url");
}

/** `<address> <signature>` */
export function peerHeaderValue(secret: string, address: string): string {
  return `${address} ${sign(secret, address)}`;
}

/** The signed address in the header, if the signature is right. */
export function verifiedPeer(value: unknown, secret: string): string | undefined {
  if (typeof value !== "string" || value.length > 200) return undefined;
  const [address, signature, extra] = value.split(" ");
  if (!address || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(sign(secret, address));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return plainAddress(address);
}

/** After pinClientIp: a gateway's signed header replaces the pinned address; the header never reaches a route. */
export function acceptPeerAddress(req: IncomingMessage, secret: string): void {
  const value = req.headers[PEER_HEADER];
  if (value === undefined) return;
  delete req.headers[PEER_HEADER];
  const peer = verifiedPeer(value, secret);
  if (peer) req.headers["x-real-ip"] = peer;
}

/** The key that signs forwarded addresses: derived from TOKEN_SECRET, so every process of a cluster agrees. */
export function peerSecretFrom(tokenSecret: string): string {
  return createHmac("sha256", tokenSecret).update("anisync/syncplay-peer/v1").digest("base64url");
}

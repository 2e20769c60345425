/** Private-room access keys: six digits from a cryptographic source, compared in constant time. */
import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";

export function generateAccessKey(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}

/** Constant time in the length of the inputs: both sides are hashed to 32 bytes first. */
export function accessKeyMatches(expected: string, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}

/** An invite secret: 128 bits from a cryptographic source, base64url (22 characters). */
export function generateInviteSecret(): string {
  return randomBytes(16).toString("base64url");
}

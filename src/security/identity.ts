/**
 * Who a caller is, by AUTH_MODE. Never the client's say-so, except in `open` mode:
 * - guest: identities the server hands out (a generated user_id in a token it signs, HS256 with a
 *   key derived from TOKEN_SECRET); a caller without one gets a fresh one;
 * - jwt: tokens of the embedding site's identity provider, verified with `jose` against a shared
 *   HS256 secret or a JWKS (keys cached, refetched on an unknown `kid`); user_id = `sub`;
 * - open: the user_id the client states (trusted networks and black-box tests only).
 * A stated user_id that differs from the verified one is FORBIDDEN, never silently replaced.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";

export type AuthMode = Config["AUTH_MODE"];

export interface Identity {
  user_id: string;
  /** display name from the identity provider (jwt mode), if it has one */
  name?: string;
}

export interface Identified {
  identity: Identity;
  /** set when the server just issued this guest identity: hand it to the client */
  issued_token?: string;
}

const GUEST_ISSUER = "anisync-guest";
const JWKS_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];
const MAX_USER_ID = 64;

export class IdentityService {
  readonly mode: AuthMode;
  private readonly guestKey: Uint8Array;
  private readonly guestTtlS: number;
  private readonly jwt?: { key: Parameters<typeof jwtVerify>[1]; algorithms: string[] };
  private readonly issuer?: string;
  private readonly audience?: string;
  private readonly nameClaim: string;

  constructor(config: Config, tokenSecret: string) {
    this.mode = config.AUTH_MODE;
    this.guestKey = createHmac("sha256", tokenSecret).update("anisync/guest-identity/v1").digest();
    this.guestTtlS = config.GUEST_TOKEN_TTL_S;
    this.issuer = config.AUTH_JWT_ISSUER;
    this.audience = config.AUTH_JWT_AUDIENCE;
    this.nameClaim = config.AUTH_JWT_NAME_CLAIM;
    if (this.mode === "jwt" && config.AUTH_JWT_SECRET) {
      this.jwt = { key: new TextEncoder().encode(config.AUTH_JWT_SECRET), algorithms: ["HS256"] };
    } else if (this.mode === "jwt" && config.AUTH_JWKS_URL) {
      const jwks = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), {
        cooldownDuration: 1_000,
        cacheMaxAge: 600_000,
        timeoutDuration: 5_000,
      });
      this.jwt = { key: jwks, algorithms: JWKS_ALGORITHMS };
    }
  }

  /** A new guest identity and its token (guest mode only). */
  async issueGuest(): Promise<{ identity: Identity; token: string }> {
    if (this.mode !== "guest") throw new AppError("NOT_FOUND", "guest identities are off (AUTH_MODE)");
    const user_id = `g_${randomBytes(12).toString("base64url")}`;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(user_id)
      .setIssuer(GUEST_ISSUER)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + this.guestTtlS)
      .sign(this.guestKey);
    return { identity: { user_id }, token };
  }

  /** Verifies an identity token of this mode; UNAUTHORIZED with the reason otherwise. */
  async verify(token: string): Promise<Identity> {
    if (this.mode === "open") throw new AppError("UNAUTHORIZED", "identity tokens are off (AUTH_MODE=open)");
    let payload: JWTPayload;
    try {
      payload =
        this.mode === "guest"
          ? (await jwtVerify(token, this.guestKey, { algorithms: ["HS256"], issuer: GUEST_ISSUER })).payload
          : (
              await jwtVerify(token, this.jwt!.key, {
                algorithms: this.jwt!.algorithms,
                ...(this.issuer ? { issuer: this.issuer } : {}),
                ...(this.audience ? { audience: this.audience } : {}),
              })
            ).payload;
    } catch (err) {
      throw new AppError("UNAUTHORIZED", reasonOf(err));
    }
    const sub = payload.sub;
    if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_USER_ID) {
      throw new AppError("UNAUTHORIZED", `identity token: sub must be 1–${MAX_USER_ID} characters`);
    }
    const name = this.mode === "jwt" ? claimAt(payload, this.nameClaim) : undefined;
    return name ? { user_id: sub, name } : { user_id: sub };
  }

  /**
   * The caller's identity for a create or join: the presented token's, a new guest one when none
   * was presented (guest mode), or the stated user_id (open mode). A stated user_id that differs
   * from the verified identity is refused.
   */
  async identify(token: string | undefined, stated: StatedUserId): Promise<Identified> {
    const statedUserId = stated.value;
    if (this.mode === "open") {
      if (!statedUserId) throw new AppError("INVALID_INPUT", `${stated.field}: required when AUTH_MODE=open`);
      return { identity: { user_id: statedUserId } };
    }
    let result: Identified;
    if (token) result = { identity: await this.verify(token) };
    else if (this.mode === "guest") {
      const guest = await this.issueGuest();
      result = { identity: guest.identity, issued_token: guest.token };
    } else throw new AppError("UNAUTHORIZED", "an identity token (Authorization: Bearer) is required");
    if (statedUserId !== undefined && statedUserId !== result.identity.user_id) {
      throw new AppError("FORBIDDEN", identityMismatch(stated.field, this.mode, Boolean(token)));
    }
    return result;
  }
}

/** The user id a create (`host_user_id`) or join (`user_id`) states, if any. */
export interface StatedUserId {
  field: "user_id" | "host_user_id";
  value: string | undefined;
}

/** A refusal of a stated user id that is not the caller's: what went wrong, and how to fix it. */
export function identityMismatch(
  field: StatedUserId["field"],
  mode: AuthMode,
  presentedToken: boolean,
): string {
  const differs = `${field}: differs from your verified identity`;
  if (mode === "guest" && !presentedToken)
    return (
      `${differs} (AUTH_MODE=guest issues identities: leave ${field} out and the server issues you one, ` +
      `returned as identity_token; or run the server with AUTH_MODE=open on a trusted network, where ids are taken as stated)`
    );
  return `${differs} (leave ${field} out: your identity token says who you are)`;
}

/** A readable reason that never echoes the token. */
function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "identity token expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return `identity token: ${err.claim} claim is not valid`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "identity token: bad signature";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "identity token: unknown signing key (kid)";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "identity token: algorithm not allowed";
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JOSEError) {
    return `identity token is not valid (${err.code})`;
  }
  return "identity token is not valid";
}

/** `a.b.c` inside the payload, if it is a non-empty string (trimmed to 32 characters). */
function claimAt(payload: JWTPayload, dotted: string): string | undefined {
  let v: unknown = payload;
  for (const part of dotted.split(".")) {
    if (!v || typeof v !== "object" || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return typeof v === "string" && v.trim() ? v.trim().slice(0, 32) : undefined;
}

/** A bearer token's kind by shape: identity tokens are JWTs (three parts), member tokens have two. */
export function isJwtShaped(token: string): boolean {
  return token.split(".").length === 3;
}

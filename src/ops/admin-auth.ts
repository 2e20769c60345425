/**
 * HTTP basic auth for operator pages (the Colyseus monitor): user `admin`, password ADMIN_PASSWORD.
 * Failed logins are counted per client address; past the limit that address gets 429 with
 * Retry-After, whatever it sends, until the window ends. Asking without credentials (a
 * browser's first request, answered with the login prompt) is not a failed login.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { AppError } from "../errors.ts";
import { sendError } from "../http/respond.ts";
import { clientIp } from "../security/client-ip.ts";
import { metrics } from "./metrics.ts";

export function basicAuth(
  password: string,
  opts: { failures?: RateLimiterAbstract; user?: string } = {},
): RequestHandler {
  const expected = digest(`${opts.user ?? "admin"}:${password}`);
  const { failures } = opts;
  return async (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const given = header.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString("utf8") : "";
    const ip = clientIp(req);
    if (given && failures) {
      const counted = await failures.get(ip);
      if (counted && counted.consumedPoints >= failures.points) return refuse(res, counted);
    }
    if (given && timingSafeEqual(digest(given), expected)) return next();
    if (given && failures) {
      try {
        await failures.consume(ip);
      } catch (err) {
        if (err instanceof RateLimiterRes) return refuse(res, err);
        throw err;
      }
    }
    res.setHeader("WWW-Authenticate", 'Basic realm="AniSync admin", charset="UTF-8"');
    res.status(401).json({ error: { code: "UNAUTHORIZED", message: "admin credentials required" } });
  };
}

function refuse(res: Parameters<RequestHandler>[1], counted: RateLimiterRes): void {
  const retryAfterS = Math.max(1, Math.ceil(counted.msBeforeNext / 1000));
  metrics.rateLimited.inc({ limit: "admin_login" });
  sendError(
    res,
    new AppError("RATE_LIMITED", `admin login: too many failed attempts; retry in ${retryAfterS} s`, {
      retryAfterS,
    }),
  );
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

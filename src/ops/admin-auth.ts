/** HTTP basic auth for operator pages (the Colyseus monitor): user `admin`, password ADMIN_PASSWORD. */
import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";

export function basicAuth(password: string, user = "admin"): RequestHandler {
  const expected = digest(`${user}:${password}`);
  return (req, res, next) => {
    const header = req.headers.authorization ?? "";
    const given = header.startsWith("Basic ") ? Buffer.from(header.slice(6), "base64").toString("utf8") : "";
    if (given && timingSafeEqual(digest(given), expected)) return next();
    res.setHeader("WWW-Authenticate", 'Basic realm="AniSync admin", charset="UTF-8"');
    res.status(401).json({ error: { code: "UNAUTHORIZED", message: "admin credentials required" } });
  };
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

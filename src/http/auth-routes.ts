/**
 * Guest identities over HTTP, in the shape `@colyseus/sdk`'s `client.auth` expects, so its
 * `signInAnonymously()` and token storage work unchanged: `POST /auth/anonymous` → `{ user, token }`,
 * `GET /auth/userdata` → `{ user }`. Only in AUTH_MODE=guest (404 otherwise); a join without a
 * token gets a guest identity too (in its `welcome`).
 */
import { Router } from "express";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { clientIp } from "../security/client-ip.ts";
import { bearerOf } from "./member-auth.ts";

export function authRouter(svc: Services): Router {
  const router = Router();

  router.post("/anonymous", async (req, res) => {
    if (svc.identity.mode !== "guest")
      throw new AppError("NOT_FOUND", "guest identities are off (AUTH_MODE)");
    await svc.rateLimits.consume("guest_identity", { ip: clientIp(req) });
    const { identity, token } = await svc.identity.issueGuest();
    res.status(201).json({ user: { id: identity.user_id, anonymous: true }, token });
  });

  router.get("/userdata", async (req, res) => {
    const token = bearerOf(req);
    if (!token) throw new AppError("UNAUTHORIZED", "Authorization: Bearer <identity token> is required");
    const identity = await svc.identity.verify(token);
    res.json({ user: { id: identity.user_id, ...(identity.name ? { name: identity.name } : {}) } });
  });

  return router;
}

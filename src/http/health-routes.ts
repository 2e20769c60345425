/** Liveness and readiness. */
import { Router } from "express";
import type { Services } from "../services.ts";

export function healthRouter(svc: Services): Router {
  const router = Router();
  router.get("/health", async (_req, res) => {
    try {
      await svc.database.ping();
      res.json({ status: "ok", database: svc.database.kind });
    } catch {
      res.status(503).json({ error: { code: "UNAVAILABLE", message: "database unreachable" } });
    }
  });
  return router;
}

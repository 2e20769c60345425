/**
 * /api/writes/:write_id: what became of a change answered `202 Accepted` (src/rooms/write-waits.ts).
 * Anyone holding the id may ask (128 random bits, given only to the caller of the change); the
 * answer is its status alone.
 */
import { Router } from "express";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { sendData } from "./respond.ts";

export function writesRouter(svc: Services): Router {
  const router = Router();
  router.get("/:write_id", async (req, res) => {
    const writeId = String(req.params.write_id);
    const outcome = await svc.writeWaits.outcome(writeId);
    if (!outcome) throw new AppError("WRITE_NOT_FOUND");
    sendData(res, { write_id: writeId, status: outcome.status });
  });
  return router;
}

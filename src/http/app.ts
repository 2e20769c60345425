/** Mounts the HTTP API on the Express app that the Colyseus transport serves. */
import express, { type Application } from "express";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { opsRouter } from "./ops-routes.ts";
import { docsRouter } from "./docs-routes.ts";
import { webRouter } from "./web-routes.ts";
import { sdkRouter } from "./sdk-routes.ts";
import { errorHandler, sendError } from "./respond.ts";
import { roomsRouter } from "./rooms-routes.ts";
import { commentsRouter } from "./comments-routes.ts";
import { writesRouter } from "./writes-routes.ts";
import { authRouter } from "./auth-routes.ts";
import { MAX_BODY_BYTES } from "./body-limit.ts";

export async function mountHttp(app: Application, svc: Services): Promise<void> {
  app.disable("x-powered-by");
  app.use(express.json({ limit: MAX_BODY_BYTES })); // body-limit.ts reads bodies first; this is the backstop
  app.use(opsRouter(svc));
  app.use(docsRouter());
  app.use(sdkRouter());
  app.use(webRouter());
  app.use("/auth", authRouter(svc));
  app.use("/api/rooms", roomsRouter(svc));
  app.use("/api/comments", commentsRouter(svc));
  app.use("/api/writes", writesRouter(svc));
  app.use("/api", (_req, res) => sendError(res, new AppError("NOT_FOUND")));
  app.use(errorHandler(svc.log));
}

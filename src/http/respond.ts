/** The HTTP envelope: `{ data }` on success, `{ error: { code, message } }` on failure. */
import type { ErrorRequestHandler, Request, Response } from "express";
import type { AuthContext } from "@colyseus/core";
import { AppError, fromServerError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { clientIp } from "../security/client-ip.ts";
import type { RoomAnswer } from "../rooms/remote.ts";
import { bearerOf } from "./member-auth.ts";

export function sendData(
  res: Response,
  data: unknown,
  status = 200,
  extra: Record<string, unknown> = {},
): void {
  res.status(status).json({ data, ...extra });
}

/**
 * A change's answer: `status` with its data (or `done(data)`) once stored; `202 Accepted` while its
 * write is pending past HTTP_WRITE_WAIT_S, with the write to ask about (src/rooms/write-waits.ts).
 */
export function sendChange(
  res: Response,
  answer: RoomAnswer<unknown>,
  done: (data: unknown) => unknown = (data) => data,
  status = 200,
): void {
  if (answer.pending === undefined) return sendData(res, done(answer.data), status);
  const outcome = `/api/writes/${answer.pending}`;
  res.setHeader("Location", outcome);
  res.setHeader("Retry-After", String(PENDING_RETRY_AFTER_S));
  sendData(res, answer.data ?? null, 202, { write: { id: answer.pending, status: "pending", outcome } });
}

/** when a caller of a pending change may ask about it again */
const PENDING_RETRY_AFTER_S = 5;

export function sendError(res: Response, err: AppError): void {
  if (err.retryAfterS !== undefined) res.setHeader("Retry-After", String(err.retryAfterS));
  res.status(err.status).json({ error: err.toBody() });
}

/** The last middleware: every thrown error leaves in the catalogue's shape. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = fromServerError(err);
    if (known) return sendError(res, known);
    const status = (err as { status?: number; type?: string }).status;
    if (status === 400 || status === 413) {
      // body-parser: malformed JSON or a body over the limit
      return sendError(
        res,
        status === 413
          ? new AppError("PAYLOAD_TOO_LARGE", "body: too large")
          : new AppError("INVALID_INPUT", "body: malformed JSON"),
      );
    }
    log.error("request failed", { method: req.method, path: req.path, err });
    sendError(res, new AppError("INTERNAL"));
  };
}

/** The auth context the matchmaker's onAuth expects, for calls made from HTTP routes. */
export function authContextOf(req: Request): AuthContext {
  return {
    token: bearerOf(req),
    ip: clientIp(req),
    headers: new Headers(),
    req,
  };
}

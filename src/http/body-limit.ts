/**
 * One body limit in front of every HTTP entry: the API (Express) and the matchmaker's
 * `/matchmake/*` routes alike, whether the body declares a Content-Length or is chunked.
 *
 * - A Content-Length over MAX_BODY_BYTES is answered 413 PAYLOAD_TOO_LARGE before any byte is read.
 * - Any other body is read here, counted as it arrives, and at most MAX_BODY_BYTES of it is ever
 *   held: past that the answer is the same 413 and the connection is closed.
 * - A body within the limit is handed on already read, as `req.body` (parsed when it is JSON,
 *   the text otherwise), which both Express's json parser and the matchmaker accept. Malformed
 *   JSON is answered 400 INVALID_INPUT `body: malformed JSON` here.
 * - Answers are the API's `{ error: { code, message } }`; under `/matchmake/` they are Colyseus's
 *   `{ code: status, error: "CODE: message" }`, which the SDK turns into its usual ServerError.
 * - Slow clients: headers must arrive within HEADERS_TIMEOUT_MS and the whole request within
 *   REQUEST_TIMEOUT_MS, or Node answers 408 and closes the connection.
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { matchMaker } from "@colyseus/core";
import { AppError } from "../errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** Call once the server listens and every other `request` listener is in place. */
export function limitRequestBodies(server: HttpServer, maxBytes = MAX_BODY_BYTES): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  const listeners = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const run = () => {
      for (const listener of listeners) listener.call(server, req, res);
    };
    const declared = req.headers["content-length"];
    const chunked = req.headers["transfer-encoding"] !== undefined;
    if (declared !== undefined && Number(declared) > maxBytes) return tooLarge(req, res);
    if (!chunked && (declared === undefined || Number(declared) === 0)) return run();

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxBytes) {
        refused = true;
        chunks.length = 0;
        return tooLarge(req, res);
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      const text = Buffer.concat(chunks).toString("utf8");
      if (!String(req.headers["content-type"] ?? "").includes("json")) {
        (req as { body?: unknown }).body = text;
        return run();
      }
      try {
        (req as { body?: unknown }).body = JSON.parse(text || "{}");
      } catch {
        return answer(req, res, new AppError("INVALID_INPUT", "body: malformed JSON"));
      }
      run();
    });
    req.on("error", () => {
      refused = true;
      chunks.length = 0;
    });
  });
}

function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  answer(req, res, new AppError("PAYLOAD_TOO_LARGE", "body: too large"), true);
  // the rest of the body is discarded until the answer is out, then the connection goes
  req.resume();
  res.once("finish", () => req.destroy());
}

function answer(req: IncomingMessage, res: ServerResponse, err: AppError, close = false): void {
  if (res.headersSent) return;
  let cors: Record<string, string> = {};
  try {
    cors = matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>));
  } catch {
    /* no CORS headers then */
  }
  res.writeHead(err.status, {
    ...cors,
    "content-type": "application/json; charset=utf-8",
    ...(close ? { connection: "close" } : {}),
  });
  // the matchmaker answers as Colyseus does, so the SDK's error carries "CODE: message" like any refused join
  const matchmaking = (req.url ?? "").startsWith("/matchmake/");
  const body = matchmaking
    ? { code: err.status, error: `${err.code}: ${err.message}` }
    : { error: err.toBody() };
  res.end(JSON.stringify(body));
}

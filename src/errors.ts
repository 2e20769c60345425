/**
 * AppError carries a catalogue code; the edges (HTTP, matchmaking, room messages) turn it
 * into their own shape here, and nowhere else.
 */
import { ServerError } from "@colyseus/core";
import { ERRORS, isErrorCode, type ErrorBody, type ErrorCode } from "../schema/errors.ts";
import { codedMessage, parseCodedMessage } from "../schema/protocol.ts";

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterS?: number;

  constructor(code: ErrorCode, message?: string, opts?: { retryAfterS?: number }) {
    super(message ?? ERRORS[code].message);
    this.name = "AppError";
    this.code = code;
    if (opts?.retryAfterS !== undefined) this.retryAfterS = opts.retryAfterS;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message };
  }
}

/** For matchmaking: the SDK sees `code` = HTTP status and a message starting with the catalogue code. */
export function toServerError(err: AppError): ServerError {
  return new ServerError(err.status, codedMessage(err.code, err.message), { cause: err });
}

/** The reverse of toServerError, for HTTP routes that call the matchmaker. Unknown errors stay unknown. */
export function fromServerError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const cause = (err as { cause?: unknown })?.cause;
  if (cause instanceof AppError) return cause;
  const message = (err as { message?: unknown })?.message;
  if (typeof message !== "string") return undefined;
  const coded = parseCodedMessage(message);
  if (coded && isErrorCode(coded.code)) return new AppError(coded.code, coded.message || undefined);
  return undefined;
}

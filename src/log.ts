/**
 * Structured JSON logs (pino) on stdout. Fields named like secrets are redacted at any depth,
 * so an access key or a token can never reach the log even by mistake; a failed query's
 * parameters (user data: comment bodies, names) are cut from error messages.
 */
import { pino } from "pino";

type Level = "debug" | "info" | "warn" | "error";
const SECRET_FIELD = /key|token|secret|password|authorization/i;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_FIELD.test(k)) out[k] = "[redacted]";
    else if (v instanceof Error) out[k] = errorFields(v);
    else if (v && typeof v === "object" && !Array.isArray(v)) out[k] = redact(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

function errorFields(err: Error): Record<string, unknown> {
  const cause = err.cause instanceof Error ? { cause: errorFields(err.cause) } : {};
  // a message has no stack frames: everything after `params:` goes
  return {
    name: err.name,
    message: err.message.replace(/\nparams: [\s\S]*$/, "\nparams: [redacted]"),
    ...cause,
  };
}

/**
 * Drops the parameters drizzle appends to a failed query's message ("Failed query: <sql>\nparams:
 * <values>") in a text that may go on with stack frames (an `err.stack`): everything after
 * `params:` up to the first frame. The SQL text (placeholders only) stays.
 */
export function scrubText(text: string): string {
  return text.replace(/\nparams: [\s\S]*?(?=\n\s+at |$)/g, "\nparams: [redacted]");
}

export function createLogger(level: Level | "silent", write?: (line: string) => void): Logger {
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (obj) => redact(obj) },
      // `redact` has already made errors plain { name, message, cause }; pino's own `err`
      // serializer would fold the cause into the message and add an empty stack
      serializers: { err: (v: unknown) => v },
    },
    write ? { write } : pino.destination({ dest: 1, sync: true }),
  );
  const at =
    (lvl: Level) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      log[lvl](fields, msg);
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

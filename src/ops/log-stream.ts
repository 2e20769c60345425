/**
 * One log stream: whatever Colyseus, its dependencies or the process itself would print goes
 * through our pino logger (src/log.ts) as one JSON line. Colyseus's logger and its `debug`
 * channels are routed in every server (`colyseusLogger`, `routeColyseusDebug`); the console and
 * the process's last-resort events only in the process entry (`captureProcessOutput`), so tests
 * that run a server in-process keep their own console.
 */
import { format } from "node:util";
import {
  debugConnection,
  debugDriver,
  debugError,
  debugMatchMaking,
  debugMessage,
  debugPatch,
  debugPresence,
} from "@colyseus/core";
import { scrubText, type Logger } from "../log.ts";

type Level = "debug" | "info" | "warn" | "error";

/** Longest message text kept: a hostile frame echoed in a decoder's message is cut here. */
const MAX_MSG_CHARS = 300;
/** Stack frames kept with a server-side error. */
const MAX_FRAMES = 8;
/** After an uncaught exception, the process exits by this time at the latest. */
const UNCAUGHT_EXIT_AFTER_MS = 15_000;

/**
 * Errors a client causes by what it sends (a frame the decoders cannot read): an `info` line, not
 * a server fault, and without a stack (Colyseus closes that client). Known decoder messages, or
 * any error thrown from inside msgpackr's unpack (its first frame of code, past native ones).
 */
const CLIENT_FAULT =
  /Unexpected end of MessagePack data|Data read, but end of buffer not reached|couldn't decode message|decode\.utf8Read\(\)|Invalid byte|Unknown MessagePack token|Unknown extension type|not joined/i;
const DECODER_FRAME = /[\\/]msgpackr[\\/]unpack\.[cm]?js/;
const NATIVE_FRAME = /\(<anonymous>\)$|^at <anonymous>$/;

/** One console-style call (`log.error(e.stack)`, `console.warn("x %s", y)`, `console.error(err)`) as a line. */
export function entry(
  level: Level,
  args: unknown[],
  source: string,
): { level: Level; msg: string; fields: Record<string, unknown> } {
  const err = args.find((a): a is Error => a instanceof Error);
  const text = scrubText(
    err && args.length === 1 ? (err.stack ?? `${err.name}: ${err.message}`) : format(...args),
  );
  const lines = text.split("\n");
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const head = lines.filter((l) => !/^\s+at /.test(l) && l.trim() !== "");
  const msg = (head.join(" ").replace(/\s+/g, " ").trim() || "(empty)").slice(0, MAX_MSG_CHARS);
  const firstCodeFrame = frames.map((f) => f.trim()).find((f) => !NATIVE_FRAME.test(f));
  const clientFault =
    (level === "error" || level === "warn") &&
    (CLIENT_FAULT.test(msg) || DECODER_FRAME.test(firstCodeFrame ?? ""));
  const fields: Record<string, unknown> = { source };
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === "string" || typeof code === "number") fields.code = code;
  if (clientFault) fields.client_fault = true;
  else if (frames.length > 0) fields.stack = frames.slice(0, MAX_FRAMES).map((f) => f.trim());
  return { level: clientFault ? "info" : level, msg, fields };
}

/** Errors already logged by our process hooks: the PM2 agent's console.error of the same one is skipped. */
const logged = new WeakSet<object>();

function write(log: Logger, level: Level, args: unknown[], source: string): void {
  if (args.length === 1 && args[0] instanceof Error && logged.has(args[0])) return;
  const e = entry(level, args, source);
  log[e.level](e.msg, e.fields);
}

/** For `new Server({ logger })`: Colyseus's own messages and errors (`debugAndPrintError`). */
export function colyseusLogger(log: Logger) {
  return {
    debug: (...args: unknown[]) => write(log, "debug", args, "colyseus"),
    trace: (...args: unknown[]) => write(log, "debug", args, "colyseus"),
    info: (...args: unknown[]) => write(log, "info", args, "colyseus"),
    warn: (...args: unknown[]) => write(log, "warn", args, "colyseus"),
    error: (...args: unknown[]) => write(log, "error", args, "colyseus"),
  };
}

/** Colyseus's `DEBUG=colyseus:*` channels print on the console by default; they become debug lines. */
export function routeColyseusDebug(log: Logger): void {
  const channels = [
    debugConnection,
    debugDriver,
    debugMatchMaking,
    debugMessage,
    debugPatch,
    debugPresence,
    debugError,
  ];
  for (const channel of channels) {
    const namespace = (channel as { namespace?: string }).namespace ?? "colyseus";
    (channel as { log: (...args: unknown[]) => void }).log = (...args) =>
      write(log, "debug", args, namespace);
  }
}

/**
 * The console (dependencies print there: @colyseus/schema's decoder, deprecation notices, the
 * PM2 agent's exception hook) and the process's unhandled rejections and uncaught exceptions.
 * An unhandled rejection is logged and the process goes on (as under Colyseus's PM2 agent); an
 * uncaught exception is logged, and Colyseus's own hook then shuts the server down.
 */
export function captureProcessOutput(log: Logger): void {
  const to =
    (level: Level) =>
    (...args: unknown[]) =>
      write(log, level, args, "console");
  console.log = to("info");
  console.info = to("info");
  console.warn = to("warn");
  console.error = to("error");
  console.debug = to("debug");
  console.trace = to("debug");
  const once = (source: string, reason: unknown) => {
    write(log, "error", [reason], source);
    if (reason && typeof reason === "object") logged.add(reason);
  };
  process.on("unhandledRejection", (reason) => once("unhandled_rejection", reason));
  process.prependListener("uncaughtException", (err) => {
    once("uncaught_exception", err);
    // Colyseus's hook shuts the server down and exits; should nothing exit, do it here
    setTimeout(() => process.exit(1), UNCAUGHT_EXIT_AFTER_MS).unref();
  });
  // Node's own printer of warnings (deprecations, MaxListeners) writes plain text to stderr
  process.removeAllListeners("warning");
  process.on("warning", (warning) => write(log, "warn", [warning.message], "process_warning"));
}

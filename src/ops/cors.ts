/**
 * Browser origins allowed to call the API and matchmaking (ALLOWED_ORIGINS). Colyseus answers
 * every origin with credentials by default; this replaces that: a listed origin is echoed
 * back (with credentials), `*` allows any origin without credentials, and unset means
 * same-origin only (no CORS headers at all).
 */
import { matchMaker } from "@colyseus/core";

export function installCors(allowed: string[]): void {
  const controller = matchMaker.controller;
  const any = allowed.includes("*");
  const base: Record<string, string> = {
    "Access-Control-Allow-Headers": "Origin, X-Requested-With, Content-Type, Accept, Authorization",
    "Access-Control-Allow-Methods": "GET,HEAD,POST,PATCH,DELETE",
    "Access-Control-Max-Age": "600",
  };
  controller.DEFAULT_CORS_HEADERS = {} as typeof controller.DEFAULT_CORS_HEADERS;
  controller.getCorsHeaders = (headers: Headers): Record<string, string> => {
    const origin = headers.get("origin");
    if (!origin) return {};
    if (any) return { ...base, "Access-Control-Allow-Origin": "*" };
    if (allowed.includes(origin)) {
      return {
        ...base,
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        Vary: "Origin",
      };
    }
    return { Vary: "Origin" };
  };
}

/** Serves the OpenAPI document and a plain HTML rendering of it (no scripts, nothing fetched). */
import { readFileSync } from "node:fs";
import { Router } from "express";
import { buildOpenApi } from "./openapi.ts";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function docsRouter(): Router {
  const router = Router();
  const doc = buildOpenApi(VERSION);
  const html = renderHtml(doc as OpenApiPage);
  router.get("/api/openapi.json", (_req, res) => void res.json(doc));
  router.get("/api/docs", (_req, res) => void res.type("html").send(html));
  return router;
}

/** the parts of the OpenAPI document (openapi.ts) the page shows */
type OpenApiPage = {
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Operation>>;
};
type Operation = {
  summary: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema: unknown }[];
  requestBody?: { content: { "application/json": { schema: unknown } } };
  responses: Record<string, { description: string }>;
};

function renderHtml(doc: OpenApiPage): string {
  const sections = Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const params = (op.parameters ?? [])
          .map(
            (p) =>
              `<li><code>${escape(p.name)}</code> (${p.in}${p.required ? ", required" : ""}): <code>${escape(JSON.stringify(p.schema))}</code></li>`,
          )
          .join("");
        const body = op.requestBody
          ? `<h4>Body</h4><pre>${escape(JSON.stringify(op.requestBody.content["application/json"].schema, null, 2))}</pre>`
          : "";
        const responses = Object.entries(op.responses)
          .map(([status, r]) => `<li><b>${status}</b> ${escape(r.description)}</li>`)
          .join("");
        return `<section><h3><span class="m">${method.toUpperCase()}</span> <code>${escape(path)}</code>${op.security ? ' <span class="t">member token</span>' : ""}</h3>
<p>${escape(op.summary)}</p>${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ""}${body}<h4>Responses</h4><ul>${responses}</ul></section>`;
      }),
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{background:#334;color:#fff;border-radius:4px;padding:0 .4rem;font-size:.8rem}
.t{background:#e7f0ff;border-radius:4px;padding:0 .4rem;font-size:.8rem}pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:.8rem}</style></head>
<body><h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>${sections}</body></html>`;
}

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { http, server, testDatabaseEnv } from "../helpers/server.ts";
import { startServerProcess } from "../helpers/process.ts";

/**
 * docs/grafana/anisync.json against the real server: every metric a PromQL expression of the
 * dashboard names must be one GET /metrics exposes, and the JSON must carry what Grafana's
 * dashboard import needs (classic JSON model), so neither can drift from the other.
 */
const DASHBOARD_PATH = new URL("../../docs/grafana/anisync.json", import.meta.url);

type Json = Record<string, any>;
const load = (): Json => JSON.parse(readFileSync(DASHBOARD_PATH, "utf8"));

/** Panels at any depth (a collapsed row keeps its panels inside it). */
function allPanels(dash: Json): Json[] {
  const out: Json[] = [];
  const visit = (panels: Json[] = []) => {
    for (const p of panels) {
      out.push(p);
      visit(p.panels);
    }
  };
  visit(dash.panels);
  return out;
}

/** Every PromQL expression: panel targets and query variables (label_values(<selector>, label)). */
export function expressions(dash: Json): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of allPanels(dash))
    for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr ?? "" });
  for (const v of dash.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const q = typeof v.query === "string" ? v.query : (v.query?.query ?? "");
    const lv = /^\s*label_values\(\s*(.*),\s*[\w]+\s*\)\s*$/s.exec(q);
    out.push({ where: `variable ${v.name}`, expr: lv ? lv[1]! : q });
  }
  return out;
}

const NOT_METRICS = new Set(
  [
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
  ].concat(["inf", "nan", "start", "end"]),
);

/** The metric names a PromQL expression selects (functions, labels, strings, ranges, variables left out). */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ")
    .replace(/\$\{[^}]*\}|\$\w+/g, " ");
  const names = new Set<string>();
  for (const m of s.matchAll(/(?<![\w.:])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    if (m[2]) continue; // a function call
    if (!NOT_METRICS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  }
  return [...names];
}

/**
 * The series names a Prometheus scrape of this text yields: every sample's name, and from the
 * `# TYPE` lines a counter's or gauge's own name and a histogram's `_bucket`, `_sum` and `_count`
 * (never a histogram's bare name, which holds no series), even before a labelled metric has a sample.
 */
export function exposedNames(text: string, opts: { samplesOnly?: boolean } = {}): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      if (opts.samplesOnly) continue;
      const [, name, kind] = type;
      if (kind === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
      else if (kind === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(name + suffix);
      else names.add(name!);
    } else if (line && !line.startsWith("#")) names.add(/^[^{\s]+/.exec(line)![0]);
  }
  return names;
}

/** Metric names used by the dashboard that the scrape does not expose, with where they are used. */
export function missingMetrics(dash: Json, exposed: Set<string>): string[] {
  const missing: string[] = [];
  for (const { where, expr } of expressions(dash))
    for (const name of metricNames(expr)) if (!exposed.has(name)) missing.push(`${name} (${where})`);
  return missing;
}

describe("Grafana dashboard (docs/grafana/anisync.json)", function () {
  this.timeout(60_000);

  it("has what Grafana's import needs, with no edits", () => {
    const dash = load();
    assert.equal(typeof dash.title, "string");
    assert.ok(dash.title.length > 0);
    assert.match(dash.uid, /^[A-Za-z0-9_-]{1,40}$/, "uid: at most 40 letters, digits, - or _");
    assert.ok(Number.isInteger(dash.schemaVersion) && dash.schemaVersion >= 36, "schemaVersion");
    assert.ok(dash.id === null || dash.id === undefined, "no database id: import creates the dashboard");
    assert.ok(dash.time?.from && dash.time?.to, "time range");
    assert.ok(Array.isArray(dash.panels) && dash.panels.length > 0, "panels");
    assert.ok(Array.isArray(dash.templating?.list), "templating.list");

    const vars = new Map<string, Json>(dash.templating.list.map((v: Json) => [v.name, v]));
    const ds = vars.get("datasource");
    assert.equal(ds?.type, "datasource", "a data-source variable named datasource");
    assert.equal(ds?.query, "prometheus", "… of Prometheus data sources");
    // every ${…}/$… reference is a variable of the dashboard or one of Grafana's own: nothing
    // (such as an unresolved ${DS_PROMETHEUS} input) is left for the importer to fill in by hand
    const text = JSON.stringify(dash);
    for (const [, name] of text.matchAll(/\$\{?(\w+)/g))
      assert.ok(name!.startsWith("__") || vars.has(name!), `unknown variable $${name}`);
    for (const input of dash.__inputs ?? [])
      assert.ok(text.includes(`\${${input.name}}`), `input ${input.name} is used`);

    const panels = allPanels(dash);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
    const boxes: Json[] = [];
    for (const p of panels) {
      assert.ok(Number.isInteger(p.id) && p.id > 0, `panel id ${p.id}`);
      assert.ok(["row", "timeseries", "heatmap", "stat"].includes(p.type), `panel type ${p.type}`);
      const g = p.gridPos;
      for (const k of ["h", "w", "x", "y"]) assert.ok(Number.isInteger(g?.[k]), `${p.title}: gridPos.${k}`);
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${p.title}: within 24 columns`);
      for (const b of boxes)
        assert.ok(
          g.x + g.w <= b.x || b.x + b.w <= g.x || g.y + g.h <= b.y || b.y + b.h <= g.y,
          `${p.title} overlaps another panel`,
        );
      boxes.push(g);
      if (p.type === "row") continue;
      assert.ok(p.title, "every panel has a title");
      assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" }, `${p.title}: datasource`);
      assert.ok(Array.isArray(p.targets) && p.targets.length > 0, `${p.title}: targets`);
      const refs = p.targets.map((t: Json) => t.refId);
      assert.equal(new Set(refs).size, refs.length, `${p.title}: refIds unique`);
      for (const t of p.targets) {
        assert.ok(typeof t.expr === "string" && t.expr.trim(), `${p.title} ${t.refId}: expr`);
        if (p.type === "heatmap") assert.equal(t.format, "heatmap", `${p.title}: buckets as a heatmap`);
      }
    }
  });

  it("queries only metrics the real server's /metrics exposes, and those the issue asks for", async () => {
    const h = await server();
    const res = await http(h, "GET", "/metrics");
    assert.equal(res.status, 200);
    const exposed = exposedNames(String(res.body));
    assert.ok(exposed.has("anisync_rooms"), "the scrape parsed");
    const dash = load();
    assert.deepEqual(missingMetrics(dash, exposed), [], "metrics the dashboard queries but /metrics lacks");

    const used = new Set(expressions(dash).flatMap((e) => metricNames(e.expr)));
    for (const name of [
      "anisync_rooms",
      "anisync_members",
      "anisync_host_action_fanout_seconds_bucket",
      "anisync_member_drift_seconds_bucket",
      "anisync_refused_joins_total",
      "anisync_rate_limited_total",
      "nodejs_eventloop_lag_p99_seconds",
      "process_resident_memory_bytes",
    ])
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    const exprs = expressions(dash).map((e) => e.expr);
    for (const histogram of ["anisync_host_action_fanout_seconds", "anisync_member_drift_seconds"])
      assert.ok(
        exprs.some((e) => e.includes("histogram_quantile(") && e.includes(`${histogram}_bucket`)),
        `${histogram}: percentile lines`,
      );
  });

  it("a freshly started server already has a sample of every series the dashboard queries", async () => {
    const srv = await startServerProcess({ ...testDatabaseEnv(), LOG_LEVEL: "warn" });
    try {
      const text = await (await fetch(`${srv.baseUrl}/metrics`)).text();
      const sampled = exposedNames(text, { samplesOnly: true });
      assert.deepEqual(missingMetrics(load(), sampled), [], "series with no sample line yet");
      // labelled counters over a fixed set of values start at 0, one series per value
      for (const series of [
        'anisync_messages_in_total{type="control"} 0',
        'anisync_messages_in_total{type="unknown"} 0',
        'anisync_refused_joins_total{code="INVALID_ACCESS_KEY"} 0',
        'anisync_rate_limited_total{limit="join"} 0',
        'anisync_db_writes_given_up_total{reason="deadline"} 0',
        "anisync_gc_pause_max_seconds ",
      ])
        assert.ok(text.includes(series), `${series} on a fresh /metrics`);
    } finally {
      await srv.stop("SIGTERM");
    }
  });

  it("the check catches a metric that does not exist (renamed, or a histogram's bare name)", () => {
    const exposed = new Set([
      "anisync_rooms",
      "anisync_member_drift_seconds_bucket",
      "anisync_member_drift_seconds_count",
    ]);
    const dash = {
      panels: [
        {
          title: "ok",
          targets: [{ refId: "A", expr: 'sum by (instance) (anisync_rooms{instance=~"$instance"})' }],
        },
        {
          title: "nested",
          type: "row",
          panels: [
            {
              title: "bad",
              targets: [
                {
                  refId: "A",
                  expr: 'histogram_quantile(0.99, sum by (le) (rate(anisync_member_drift_bucket{code="x"}[5m])))',
                },
                { refId: "B", expr: "rate(anisync_member_drift_seconds[$__rate_interval]) > bool 1e-3" },
              ],
            },
          ],
        },
      ],
      templating: { list: [{ type: "query", name: "i", query: "label_values(anisync_romos, instance)" }] },
    };
    assert.deepEqual(missingMetrics(dash, exposed), [
      'anisync_member_drift_bucket (panel "bad" A)',
      'anisync_member_drift_seconds (panel "bad" B)',
      "anisync_romos (variable i)",
    ]);
    assert.deepEqual(
      metricNames('sum without (type) (rate(a_total{x="by(y)"}[1m] offset 5m)) / on (instance) group_left b'),
      ["a_total", "b"],
    );
  });
});

// The room page's charts over time (/s/<room_id>): members and the share of them in sync, per
// minute of the last hour, from GET /api/rooms/:room_id/timeline. uPlot's data is the API's:
// x = each minute's start (epoch seconds, uPlot's time scale), y = `members` and `in_sync_share`
// (0–1, null for a minute without reports: a gap). Minutes with reports are also in a visually
// hidden table.
import { $, el } from "./dom.js";
import { chart } from "./uplot-chart.js";

const percent = (x) => `${Math.round(x * 1000) / 10}%`;
const hhmm = (ms) => new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** Draws both charts into `charts` (as `members` and `sync`) and fills the table. */
export function timelineCharts(uPlot, timeline, charts) {
  const buckets = timeline.buckets;
  const x = buckets.map((b) => b.start / 1000);
  const tbody = $("timeline-table").tBodies[0];
  tbody.replaceChildren();
  for (const b of buckets.filter((b) => b.members > 0)) {
    const tr = el("tr");
    tr.dataset.start = String(b.start);
    const share = b.in_sync_share === null ? "—" : percent(b.in_sync_share);
    tr.append(el("th", hhmm(b.start)), el("td", String(b.members)), el("td", share));
    tr.firstChild.scope = "row";
    tbody.append(tr);
  }
  const reported = buckets.some((b) => b.members > 0);
  $("timeline-empty").classList.toggle("hidden", reported);
  // a minute of room either side, so the first and the current minute show whole
  const time = { x: { time: true, range: (_u, min, max) => [(min ?? 0) - 60, (max ?? 0) + 60] } };
  charts.members = chart(
    uPlot,
    $("members-chart"),
    {
      scales: { ...time, y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 0)] } },
      axes: [{}, { values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")) }],
      series: [
        {},
        {
          label: "Members",
          stroke: "#3446c8",
          fill: "#3446c8",
          paths: uPlot.paths.bars({ size: [0.8, 24] }),
          points: { show: false },
        },
      ],
    },
    [x, buckets.map((b) => b.members)],
  );
  charts.sync = chart(
    uPlot,
    $("sync-chart"),
    {
      scales: { ...time, y: { range: [0, 1] } },
      axes: [{}, { values: (_u, splits) => splits.map((v) => percent(v)) }],
      series: [
        {},
        {
          label: "In sync",
          stroke: "#2b8a3e",
          width: 2,
          spanGaps: false,
          value: (_u, v) => (v === null ? "—" : percent(v)),
          // a minute between two without reports is a point of its own
          points: { show: true, size: 7, fill: "#2b8a3e" },
        },
      ],
    },
    [x, buckets.map((b) => b.in_sync_share)],
  );
}

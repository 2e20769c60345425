// The room page (/s/<room_id>): a room's stats, its members and their sync over the last hour
// (timeline-charts.js) and its episode's 30 s "hot moments" as uPlot charts (loaded only here, from
// /vendor/uplot/), every value also in the DOM: the figures list and visually hidden tables. A private room's stats need the member token the party view keeps
// for this tab (sessionStorage); without one the page says the stats are for members only.
import { $, el, clock, memberTokens } from "./dom.js";
import { chart, loadUPlot } from "./uplot-chart.js";
import { timelineCharts } from "./timeline-charts.js";

/**
 * The charts shown, for tests and the curious: `anisyncCharts.hot.data` is uPlot's own data (also
 * `stats`, `members` and `sync`).
 */
const charts = (window.anisyncCharts = {});
const count = (n, one) => `${n} ${one}${n === 1 ? "" : "s"}`;
const percent = (x) => `${Math.round(x * 1000) / 10}%`;
const seconds = (x) => `${x.toFixed(3)} s`;
const FIGURES = [
  ["current_members", "Members now", (s) => s.current_members],
  ["peak_members", "Peak members", (s) => s.peak_members],
  ["host_actions", "Host actions", (s) => s.host_actions],
  ["comments", "Comments", (s) => s.comments],
  ["in_sync_share", "In sync (last hour)", (s) => s.sync.in_sync_share, percent],
  ["median_abs_drift_s", "Median drift", (s) => s.sync.median_abs_drift_s, seconds],
  ["p95_abs_drift_s", "95th pct drift", (s) => s.sync.p95_abs_drift_s, seconds],
];
const BAR_LABELS = ["Now", "Peak", "Host actions", "Comments"];

let shown = 0;
/** Shows the room page for one room; a later call wins over a slower earlier one. */
export async function showRoomStats(roomId) {
  const mine = ++shown;
  for (const c of Object.values(charts)) c.destroy();
  for (const k of Object.keys(charts)) delete charts[k];
  $("stat-figures").replaceChildren();
  $("top-moments").replaceChildren();
  $("hot-table").tBodies[0].replaceChildren();
  $("timeline-table").tBodies[0].replaceChildren();
  $("stats-error").textContent = "";
  $("stats-status").textContent = "Loading…";
  $("stats-title").textContent = "Room stats";
  const id = encodeURIComponent(roomId);
  $("stats-room-link").setAttribute("href", `/r/${id}`);
  const token = memberTokens.get(roomId);
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const fail = (text) =>
    mine === shown && (($("stats-status").textContent = ""), ($("stats-error").textContent = text));
  try {
    const [roomRes, statsRes, timelineRes] = await Promise.all([
      fetch(`/api/rooms/${id}`, { headers }),
      fetch(`/api/rooms/${id}/stats`, { headers }),
      fetch(`/api/rooms/${id}/timeline`, { headers }),
    ]);
    if (statsRes.status === 401 || statsRes.status === 403)
      return fail("A private party: its stats are for members only. Join it first, then come back.");
    if (statsRes.status === 404) return fail(`There is no party ${roomId}.`);
    if (!statsRes.ok || !roomRes.ok) return fail(`Could not load the stats (HTTP ${statsRes.status}).`);
    const room = (await roomRes.json()).data;
    const stats = (await statsRes.json()).data;
    const q = new URLSearchParams({ anime_id: room.anime_id, episode_number: String(room.episode_number) });
    const [uPlot, historyRes] = await Promise.all([loadUPlot(), fetch(`/api/comments/history?${q}`)]);
    if (mine !== shown) return;
    $("stats-title").textContent = `${room.title}: stats`;
    const thread = `/a/${encodeURIComponent(room.anime_id)}/${room.episode_number}`;
    $("stats-thread-link").setAttribute("href", thread);
    $("stats-thread-link").textContent = `${room.anime_title} · Episode ${room.episode_number} thread`;
    figures(stats);
    charts.stats = statsChart(uPlot, stats);
    // without the timeline the rest of the page still shows
    if (timelineRes.ok) {
      const timeline = (await timelineRes.json()).data;
      if (mine !== shown) return;
      timelineCharts(uPlot, timeline, charts);
    } else $("stats-error").textContent = `Could not load the last hour (HTTP ${timelineRes.status}).`;
    if (!historyRes.ok) return fail("Could not load the episode's comment history.");
    const buckets = (await historyRes.json()).data.hot_moments.buckets;
    if (mine !== shown) return;
    hotMoments(uPlot, buckets, roomId);
    $("stats-status").textContent =
      `${stats.status === "live" ? "Live" : "Dormant"} · updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    fail(`Could not load the stats: ${err.message ?? err}`);
  }
}

function figures(stats) {
  for (const [name, label, value, format = String] of FIGURES) {
    const v = value(stats);
    const dd = el("dd", v === null || v === undefined ? "—" : format(v));
    dd.dataset.stat = name;
    dd.dataset.value = v === null || v === undefined ? "" : String(v);
    const row = el("div");
    row.append(el("dt", label), dd);
    $("stat-figures").append(row);
  }
}

function statsChart(uPlot, stats) {
  const values = [stats.current_members, stats.peak_members, stats.host_actions, stats.comments];
  return chart(
    uPlot,
    $("stats-chart"),
    {
      legend: { show: false },
      scales: {
        x: { time: false, range: [-0.5, 3.5] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [
        { splits: () => [0, 1, 2, 3], values: (_u, splits) => splits.map((i) => BAR_LABELS[i] ?? "") },
        {},
      ],
      series: [
        {},
        { label: "Count", fill: "#3446c8", stroke: "#3446c8", paths: uPlot.paths.bars({ size: [0.6, 80] }) },
      ],
    },
    [[0, 1, 2, 3], values],
  );
}

function hotMoments(uPlot, buckets, roomId) {
  const tbody = $("hot-table").tBodies[0];
  for (const b of buckets) {
    const tr = el("tr");
    tr.dataset.start = String(b.start_s);
    tr.append(el("th", clock(b.start_s)), el("td", String(b.comments)), el("td", String(b.reactions)));
    tr.firstChild.scope = "row";
    tbody.append(tr);
  }
  const top = [...buckets]
    .sort((a, b) => b.comments + b.reactions - (a.comments + a.reactions) || a.start_s - b.start_s)
    .slice(0, 5);
  for (const b of top) {
    const a = el(
      "a",
      `${clock(b.start_s)}: ${count(b.comments, "comment")}, ${count(b.reactions, "reaction")}`,
    );
    a.href = `/r/${encodeURIComponent(roomId)}#t=${b.start_s}`;
    const li = el("li");
    li.append(a);
    $("top-moments").append(li);
  }
  if (!buckets.length) $("top-moments").append(el("li", "No comments on this episode yet."));
  const bars = (align) => uPlot.paths.bars({ size: [0.4, 40], align });
  charts.hot = chart(
    uPlot,
    $("hot-chart"),
    {
      scales: {
        x: { time: false, range: (_u, min, max) => [(min ?? 0) - 15, (max ?? 0) + 45] },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: [{ values: (_u, splits) => splits.map((s) => (s >= 0 ? clock(s) : "")) }, {}],
      series: [
        { label: "From", value: (_u, v) => (v === null ? "—" : clock(v)) },
        { label: "Comments", fill: "#3446c8", stroke: "#3446c8", paths: bars(-1) },
        { label: "Reactions", fill: "#d9480f", stroke: "#d9480f", paths: bars(1) },
      ],
    },
    [buckets.map((b) => b.start_s), buckets.map((b) => b.comments), buckets.map((b) => b.reactions)],
  );
}

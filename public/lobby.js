// The lobby: public parties, polled every few seconds, filtered by anime, newest or fullest first.
// Rows are kept by room id and updated in place, so keyboard focus survives a refresh.
import { $, el, clock } from "./dom.js";

const POLL_MS = 3000;
const animeTitles = new Map();
const rows = new Map();
let latest = [];
let onJoin = () => {};
let running = false;
let generation = 0;
let timer;

export function startLobby(join) {
  onJoin = join;
  running = true;
  void poll();
}

export function stopLobby() {
  running = false;
  generation++;
  clearTimeout(timer);
}

$("anime-filter").addEventListener("change", () => running && poll());
// a hidden tab stops asking; it catches up as soon as it is shown again
document.addEventListener("visibilitychange", () => running && !document.hidden && poll());
$("room-order").addEventListener("change", render);

async function poll() {
  clearTimeout(timer);
  if (document.hidden) return;
  const mine = ++generation;
  const filter = $("anime-filter").value;
  const query = new URLSearchParams({ limit: "100" });
  if (filter) query.set("anime_id", filter);
  try {
    const res = await fetch(`/api/rooms?${query}`);
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    const body = await res.json();
    if (mine !== generation) return;
    latest = body.data.map((room) => ({ ...room, server_time: body.server_time }));
    $("rooms-error").textContent = "";
    render();
  } catch (err) {
    if (mine !== generation) return;
    $("rooms-error").textContent =
      `Could not load the parties (${err.message}). Trying again in a few seconds; you can still join by id below.`;
  }
  if (running && mine === generation) timer = setTimeout(poll, POLL_MS);
}

function render() {
  learnAnime(latest);
  const rooms = [...latest];
  if ($("room-order").value === "fullest")
    rooms.sort((a, b) => b.member_count - a.member_count || b.created_at - a.created_at);
  const list = $("rooms");
  const wanted = rooms.map((room) => update(rows.get(room.room_id) ?? create(room), room));
  const keep = new Set(rooms.map((r) => r.room_id));
  for (const id of rows.keys()) if (!keep.has(id)) rows.delete(id);
  const same = wanted.length === list.children.length && wanted.every((li, i) => list.children[i] === li);
  if (!same) {
    const focused = document.activeElement;
    list.replaceChildren(...wanted);
    if (focused && list.contains(focused)) focused.focus();
  }
  const n = rooms.length;
  const filtered = Boolean($("anime-filter").value);
  $("rooms-status").textContent = `${n} ${n === 1 ? "party" : "parties"} listed`;
  $("rooms-empty").textContent = filtered
    ? "No public parties for this anime right now. Choose “All anime”, or start one below."
    : "No public parties right now. Start one below, or join a private one with its id and key.";
  $("rooms-empty").classList.toggle("hidden", n > 0);
}

function create(room) {
  const li = el("li", undefined, "room");
  li.dataset.roomId = room.room_id;
  const titleId = `room-${room.room_id}-title`;
  const main = el("div", undefined, "room-main");
  const title = el("h2", undefined, "room-title");
  title.id = titleId;
  const meta = el("p", undefined, "room-meta muted");
  meta.append(
    el("span", undefined, "room-members"),
    " · ",
    el("span", undefined, "room-playback"),
    " · ",
    el("span", undefined, "room-host"),
  );
  main.append(title, el("p", undefined, "room-anime"), meta);
  const actions = el("div", undefined, "room-actions");
  const join = el("button", "Join", "join");
  join.type = "button";
  join.setAttribute("aria-describedby", titleId);
  join.addEventListener("click", () => onJoin(li.dataset.roomId));
  const thread = el("a", "Episode thread", "thread-link");
  thread.dataset.nav = "";
  actions.append(join, thread);
  li.append(main, actions);
  rows.set(room.room_id, li);
  return li;
}

function update(li, room) {
  const set = (selector, text) => {
    const node = li.querySelector(selector);
    if (node.textContent !== text) node.textContent = text;
  };
  set(".room-title", room.title);
  set(".room-anime", `${room.anime_title} · Episode ${room.episode_number}`);
  set(".room-members", `${room.member_count} watching`);
  set(".room-playback", playbackText(room));
  set(".room-host", `Host: ${room.host_username ?? "unknown"}`);
  li.classList.toggle("dormant", room.status !== "live");
  const href = `/a/${encodeURIComponent(room.anime_id)}/${room.episode_number}`;
  const link = li.querySelector(".thread-link");
  if (link.getAttribute("href") !== href) link.setAttribute("href", href);
  return li;
}

function playbackText(room) {
  const pb = room.playback;
  if (!pb) return room.status === "live" ? "Live" : "Asleep";
  const position = pb.is_playing
    ? pb.position + ((room.server_time - pb.updated_at) / 1000) * pb.rate
    : pb.position;
  const where = `${pb.is_playing ? "Playing" : "Paused"} at ${clock(position)}`;
  return room.status === "live" ? where : `Asleep, ${where.toLowerCase()}`;
}

function learnAnime(rooms) {
  let added = false;
  for (const r of rooms) {
    if (animeTitles.has(r.anime_id)) continue;
    animeTitles.set(r.anime_id, r.anime_title);
    added = true;
  }
  if (!added) return;
  const select = $("anime-filter");
  const chosen = select.value;
  const uses = new Map();
  for (const title of animeTitles.values()) uses.set(title, (uses.get(title) ?? 0) + 1);
  const options = [...animeTitles]
    .sort((a, b) => a[1].localeCompare(b[1]))
    .map(([id, title]) => {
      const option = el("option", uses.get(title) > 1 ? `${title} (${id})` : title);
      option.value = id;
      return option;
    });
  const all = el("option", "All anime");
  all.value = "";
  select.replaceChildren(all, ...options);
  select.value = chosen;
}

// The room view: the video in sync, members, comments, invite link (the episode queue and the
// members' roles and moderation buttons: queue.js). Incoming comments and this
// member's sync status are live regions (#comments is a log, #sync-status a status).
import { attach } from "/vendor/anisync-client.js";
import { $, el, clock, memberTokens } from "./dom.js";
import { enterQueue, leaveQueue, memberActions, memberBadges } from "./queue.js";
import { showGroup, hideGroup } from "./group.js";
import { enterOwnFile, leaveOwnFile, fileBadges } from "./own-file.js";

let party;
let detach;
let seen = new Set();
/** the episode whose comments the list shows: the queue can switch it under a live party */
let shownThread;
/** undefined while connected, else why not: "reconnecting" or "left" */
let away;

export const currentParty = () => party;

/** Shows a joined party; `onLeave` runs when the server ends it. */
export function enterParty(joined) {
  party = joined;
  seen = new Set();
  shownThread = undefined;
  away = undefined;
  $("members").replaceChildren();
  $("comments").replaceChildren();
  $("party-error").textContent = "";
  $("invite-link").textContent = "";
  const video = $("video");
  video.src = party.state.video_url;
  detach = attach(party, video, {
    onAutoplayBlocked: () =>
      ($("party-error").textContent = "Press play to start: the browser blocked autoplay."),
  });
  enterQueue(party, video);
  enterOwnFile(party, video);
  const mine = party;
  const live =
    (fn) =>
    (...args) =>
      mine === party && fn(...args);
  party.on("state", live(render));
  party.on("welcome", live(render));
  party.on("comment", live(addComment));
  party.on(
    "error",
    live((e) => ($("party-error").textContent = `${e.code}: ${e.message}`)),
  );
  party.on(
    "drop",
    live(() => connection("reconnecting")),
  );
  party.on(
    "reconnect",
    live(() => connection()),
  );
  party.on(
    "rejoin",
    live(() => connection()),
  );
  party.on(
    "leave",
    live(() => connection("left")),
  );
  connection();
  render();
  showGroup(party);
  void loadComments();
  seekFromLink();
}

/**
 * A link to a moment (`/r/<room_id>#t=<seconds>`, from the room page): the host seeks the party
 * there; a member, who cannot move the party's video, is told the time to ask the host for.
 */
function seekFromLink() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const t = Number(hash.get("t"));
  $("moment-note").textContent = "";
  if (!hash.has("t") || !Number.isFinite(t) || t < 0) return;
  history.replaceState(history.state, "", location.pathname + location.search);
  if (party.isHost) party.control("seek", t);
  else
    $("moment-note").textContent =
      `Moment ${clock(t)}: only the host moves the video; ask them to seek there.`;
}

/** Leaves the party for good (the seat is released at once) and clears the view. */
export async function leaveParty() {
  const leaving = party;
  party = undefined;
  leaveQueue();
  leaveOwnFile();
  hideGroup();
  detach?.();
  detach = undefined;
  const video = $("video");
  video.removeAttribute("src");
  video.load();
  setConn("offline", "");
  $("sync-status").textContent = "";
  await leaving?.leave().catch(() => {});
}

$("invite-copy").addEventListener("click", async () => {
  const link = party?.inviteLink(location.origin + "/");
  if (!link) return;
  $("invite-link").textContent = link;
  await navigator.clipboard?.writeText(link).catch(() => {});
});

$("comment-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = e.target.message;
  if (!party || !input.value.trim()) return;
  party.comment({ message: input.value, video_timestamp: Math.max(0, $("video").currentTime) });
  input.value = "";
});

function connection(why) {
  away = why;
  setConn(why ?? "online", why ? "off" : "synced");
  render();
}

function setConn(text, kind) {
  $("conn").textContent = text;
  $("conn").className = `pill ${kind}`;
}

const SYNC_TEXT = {
  synced: "In sync with the host.",
  drifting: "Drifting from the host: catching up.",
  buffering: "Buffering…",
  unknown: "Waiting for the first sync report…",
};

function render() {
  if (!party) return;
  memberTokens.set(party.roomId, party.memberToken);
  const s = party.state;
  if (shownThread !== undefined && shownThread !== threadOf(s)) {
    // the queue moved on: show the new episode's thread, not the last one's
    seen = new Set();
    $("comments").replaceChildren();
    void loadComments();
  }
  $("room-title").textContent = s.title;
  $("room-thread").setAttribute("href", `/a/${encodeURIComponent(s.anime_id)}/${s.episode_number}`);
  $("room-thread").textContent = `${s.anime_title} · Episode ${s.episode_number} thread`;
  $("room-id").textContent = party.roomId;
  $("me").textContent = s.members.get(party.userId)?.username ?? party.userId;
  $("me").dataset.userId = party.userId;
  const mine = s.members.get(party.userId);
  $("role").textContent =
    [party.isOwner && "owner", party.isHost && "host", mine?.is_cohost && "co-host"]
      .filter(Boolean)
      .join(" · ") || "member";
  $("role").className = `pill ${party.isHost ? "host" : ""}`;
  $("key-line").classList.toggle("hidden", !party.accessKey);
  $("room-key").textContent = party.accessKey ?? "";
  $("invite-line").classList.toggle("hidden", !party.invite);
  const pb = s.playback;
  $("playback-line").textContent =
    `${pb.is_playing ? "Playing" : "Paused"} at ${clock(party.expectedPosition())} · action #${pb.seq}`;
  const sync = away
    ? away === "left"
      ? "You are no longer in this party."
      : "Connection lost: reconnecting…"
    : party.isHost
      ? "You are the host: everyone follows your video."
      : (SYNC_TEXT[mine?.sync_status ?? ownStatus(s)] ?? SYNC_TEXT.unknown);
  if ($("sync-status").textContent !== sync) $("sync-status").textContent = sync;
  renderMembers(s);
}

/**
 * A big room (audience mode) does not list this member in the state: its sync status is read
 * from its own video against the room's expected position.
 */
function ownStatus(s) {
  if (!s.audience) return "unknown";
  const video = $("video");
  if (!video.paused && video.readyState < 3) return "buffering";
  return Math.abs(video.currentTime - party.expectedPosition()) <= 0.25 ? "synced" : "drifting";
}

const count = (n, one, many = `${one}s`) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** A big room's figures: everyone counted, the list shows only some. */
function renderCrowd(s) {
  const line = $("members-summary");
  line.classList.toggle("hidden", !s.audience);
  if (!s.audience) return;
  const sum = s.sync_summary;
  const text =
    `${count(s.member_count, "member")} watching · ${sum.synced.toLocaleString("en")} in sync` +
    (sum.buffering ? ` · ${sum.buffering.toLocaleString("en")} buffering` : "") +
    (sum.synced + sum.drifting ? ` · drift ${Math.round(sum.drift_p50_ms)} ms typical` : "") +
    ". A big room: the list shows the host, co-hosts and recent chatters; comments are in slow mode.";
  if (line.textContent !== text) line.textContent = text;
}

function renderMembers(s) {
  renderCrowd(s);
  const list = $("members");
  const refocus = document.activeElement?.dataset?.focusKey;
  list.replaceChildren();
  const members = [...s.members.values()].sort((a, b) => a.joined_at - b.joined_at);
  for (const m of members) {
    const li = el("li");
    li.dataset.userId = m.user_id;
    const who = el("span");
    who.append(el("b", m.username), " ");
    if (m.user_id === s.owner_user_id) who.append(el("span", "owner", "pill"), " ");
    if (m.is_host) who.append(el("span", "host", "pill host"), " ");
    who.append(...memberBadges(m), ...fileBadges(m));
    if (!m.connected) who.append(el("span", "away", "pill off"));
    const status = el("span");
    const drift = m.sync_status === "unknown" ? "" : ` ${m.drift >= 0 ? "+" : ""}${m.drift.toFixed(2)} s`;
    status.append(el("span", `${m.sync_status}${drift}`, `pill ${m.sync_status}`));
    if (party.isHost && m.user_id !== party.userId && m.connected) {
      const make = el("button", "make host", "small secondary");
      make.type = "button";
      make.dataset.focusKey = `make-host:${m.user_id}`;
      make.setAttribute("aria-label", `Make host: ${m.username}`);
      make.addEventListener("click", () => party.transferHost(m.user_id));
      status.append(make);
    }
    status.append(...memberActions(m));
    li.append(who, status);
    list.append(li);
  }
  if (refocus) list.querySelector(`[data-focus-key="${CSS.escape(refocus)}"]`)?.focus();
}

const threadOf = (s) => `${s.anime_id}#${s.episode_number}`;

async function loadComments() {
  const p = party;
  const s = p.state;
  shownThread = threadOf(s);
  const query = new URLSearchParams({
    anime_id: s.anime_id,
    episode_number: String(s.episode_number),
    order: "oldest",
    limit: "100",
  });
  // the earlier comments arrive as one batch: not read out one by one
  $("comments-log").setAttribute("aria-busy", "true");
  try {
    const res = await fetch(`/api/comments?${query}`).catch(() => undefined);
    if (!res?.ok || p !== party) return;
    const body = await res.json();
    const flat = [];
    const walk = (cs) => cs.forEach((c) => (flat.push(c), walk(c.replies ?? [])));
    walk(body.data.comments);
    flat.sort((a, b) => a.created_at - b.created_at).forEach(addComment);
  } finally {
    $("comments-log").removeAttribute("aria-busy");
  }
}

function addComment(c) {
  if (seen.has(c.id)) return;
  seen.add(c.id);
  const li = el("li");
  if (c.video_timestamp !== null && c.video_timestamp !== undefined)
    li.append(el("span", clock(c.video_timestamp), "ts"));
  li.append(el("b", c.username), ": ", el("span", c.message, "msg"));
  $("comments").append(li);
  $("comments").scrollTop = $("comments").scrollHeight;
}

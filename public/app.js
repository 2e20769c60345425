// AniSync demo page: create or join a watch party, watch in sync, see members and comments.
// User text is only ever set through textContent, never as HTML.
import { WatchParty, attach, Client } from "/vendor/anisync-client.js";

const $ = (id) => document.getElementById(id);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};
const clock = (s) => {
  const t = Math.max(0, Math.floor(s ?? 0));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
};
const userId = () => {
  let id = sessionStorage.getItem("anisync-user");
  if (!id) sessionStorage.setItem("anisync-user", (id = `u-${crypto.randomUUID().slice(0, 12)}`));
  return id;
};

// one identity per browser: the SDK keeps the identity token in localStorage and presents it
const client = new Client(location.origin);

/** The identity to join with: the kept one, else a new guest identity; an open-mode server takes a local id. */
async function identity() {
  if (client.auth.token) return {};
  try {
    await client.auth.signInAnonymously();
    return {};
  } catch {
    return { user_id: userId() };
  }
}

let party;
let detach;
const seen = new Set();

$("create-form").video_url.value = new URL("/media/test.webm", location.href).href;
const params = new URLSearchParams(location.hash.slice(1));
if (params.get("room")) $("join-form").room_id.value = params.get("room");

$("create-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  start(async () => {
    const { user_id } = await identity();
    return WatchParty.create(client, {
      title: f.title.value,
      anime_id: "demo",
      anime_title: "AniSync demo",
      episode_number: 1,
      video_url: f.video_url.value,
      ...(user_id ? { host_user_id: user_id } : {}),
      host_username: f.username.value,
      is_public: !f.private.checked,
    });
  });
});

function join(roomId, options) {
  start(async () => WatchParty.join(client, roomId, { ...(await identity()), ...options }));
}

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  const options = { username: f.username.value };
  if (f.access_key.value) options.access_key = f.access_key.value;
  join(f.room_id.value.trim(), options);
});

// an invite link (`/?room=<id>#invite=<secret>`) joins at once
const invited = { room: new URLSearchParams(location.search).get("room"), invite: params.get("invite") };
if (invited.room && invited.invite) {
  join(invited.room, { username: $("join-form").username.value || "Guest", invite: invited.invite });
}

$("invite-copy").addEventListener("click", async () => {
  const link = party?.inviteLink(location.origin + location.pathname);
  if (!link) return;
  $("invite-link").textContent = link;
  await navigator.clipboard?.writeText(link).catch(() => {});
});

async function start(open) {
  $("lobby-error").textContent = "";
  try {
    party = await open();
  } catch (err) {
    $("lobby-error").textContent = String(err.message ?? err);
    return;
  }
  $("lobby").classList.add("hidden");
  $("party").classList.remove("hidden");
  const video = $("video");
  video.src = party.state.video_url;
  detach = attach(party, video, {
    onAutoplayBlocked: () =>
      ($("party-error").textContent = "Press play to start: the browser blocked autoplay."),
  });
  party.on("state", render);
  party.on("welcome", render);
  party.on("comment", addComment);
  party.on("error", (e) => ($("party-error").textContent = `${e.code}: ${e.message}`));
  party.on("drop", () => setConn("reconnecting", "off"));
  party.on("reconnect", () => setConn("online", "synced"));
  party.on("rejoin", () => setConn("online", "synced"));
  party.on("leave", () => setConn("left", "off"));
  setConn("online", "synced");
  render();
  loadComments();
  history.replaceState(null, "", `${location.pathname}#room=${party.roomId}`);
}

function setConn(text, kind) {
  $("conn").textContent = text;
  $("conn").className = `pill ${kind}`;
}

function render() {
  const s = party.state;
  $("room-title").textContent = s.title;
  $("room-id").textContent = party.roomId;
  $("me").textContent = s.members.get(party.userId)?.username ?? party.userId;
  $("role").textContent =
    [party.isOwner && "owner", party.isHost && "host"].filter(Boolean).join(" · ") || "member";
  $("role").className = `pill ${party.isHost ? "host" : ""}`;
  $("key-line").classList.toggle("hidden", !party.accessKey);
  $("room-key").textContent = party.accessKey ?? "";
  $("invite-line").classList.toggle("hidden", !party.invite);
  const pb = s.playback;
  $("playback-line").textContent =
    `${pb.is_playing ? "Playing" : "Paused"} at ${clock(party.expectedPosition())} · action #${pb.seq}`;

  const list = $("members");
  list.replaceChildren();
  const members = [...s.members.values()].sort((a, b) => a.joined_at - b.joined_at);
  for (const m of members) {
    const li = el("li");
    li.dataset.userId = m.user_id;
    const who = el("span");
    who.append(el("b", m.username), " ");
    if (m.user_id === s.owner_user_id) who.append(el("span", "owner", "pill"), " ");
    if (m.is_host) who.append(el("span", "host", "pill host"), " ");
    if (!m.connected) who.append(el("span", "away", "pill off"));
    const status = el("span");
    const drift = m.sync_status === "unknown" ? "" : ` ${m.drift >= 0 ? "+" : ""}${m.drift.toFixed(2)} s`;
    status.append(el("span", `${m.sync_status}${drift}`, `pill ${m.sync_status}`));
    if (party.isHost && m.user_id !== party.userId && m.connected) {
      const make = el("button", "make host", "small secondary");
      make.addEventListener("click", () => party.transferHost(m.user_id));
      status.append(make);
    }
    li.append(who, status);
    list.append(li);
  }
}

async function loadComments() {
  const s = party.state;
  const res = await fetch(
    `/api/comments?anime_id=${encodeURIComponent(s.anime_id)}&episode_number=${s.episode_number}&order=oldest&limit=100`,
  );
  if (!res.ok) return;
  const body = await res.json();
  const flat = [];
  const walk = (cs) => cs.forEach((c) => (flat.push(c), walk(c.replies ?? [])));
  walk(body.data.comments);
  flat.sort((a, b) => a.created_at - b.created_at).forEach(addComment);
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

$("comment-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = e.target.message;
  if (!input.value.trim()) return;
  party.comment({ message: input.value, video_timestamp: Math.max(0, $("video").currentTime) });
  input.value = "";
});

$("leave").addEventListener("click", async () => {
  detach?.();
  await party?.leave();
  location.hash = "";
  location.reload();
});

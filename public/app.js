// AniSync's front door: the lobby (/), a party (/r/<room_id>), a room's stats page (/s/<room_id>)
// and an episode thread (/a/<anime_id>/<episode>), routed on location.pathname; the back button leaves a party and a
// reload joins it again. One identity per browser: the SDK keeps its token in localStorage.
import { WatchParty, Client } from "/vendor/anisync-client.js";
import { $, show, remembered } from "./dom.js";
import { startLobby, stopLobby } from "./lobby.js";
import { setupCreateForm } from "./create.js";
import { currentParty, enterParty, leaveParty } from "./party.js";
import { showThread } from "./thread.js";
import { showRoomStats } from "./stats.js";

const client = new Client(location.origin);

/** A local user id for servers in AUTH_MODE=open, kept for this tab (a reload keeps the seat). */
const localUserId = () => {
  let id = sessionStorage.getItem("anisync-user");
  if (!id) sessionStorage.setItem("anisync-user", (id = `u-${crypto.randomUUID().slice(0, 12)}`));
  return id;
};

/** The identity to join with: the kept one, else a new guest identity; an open-mode server takes a local id. */
async function identity() {
  if (client.auth.token) return {};
  try {
    await client.auth.signInAnonymously();
    return {};
  } catch {
    return { user_id: localUserId() };
  }
}

const NAME_INPUTS = ["#create-form", "#join-form", "#key-form"].map((f) => `${f} [name=username]`);
const myName = () => $("join-form").username.value.trim() || "Guest";
function rememberName(name) {
  remembered.set("name", name);
  for (const s of NAME_INPUTS) document.querySelector(s).value = name;
}
const kept = remembered.get("name", "");
if (kept) for (const s of NAME_INPUTS) document.querySelector(s).value = kept;

function route() {
  const path = location.pathname;
  let m = /^\/r\/([^/]+)\/?$/.exec(path);
  if (m) return { view: "room", roomId: decodeURIComponent(m[1]) };
  m = /^\/s\/([^/]+)\/?$/.exec(path);
  if (m) return { view: "stats", roomId: decodeURIComponent(m[1]) };
  m = /^\/a\/([^/]+)\/(\d+)\/?$/.exec(path);
  if (m) return { view: "thread", anime: decodeURIComponent(m[1]), episode: Number(m[2]) };
  return { view: "lobby" };
}

let routing = 0;
/** Join options for the next room route (from the lobby, the join form or an invite link). */
let pending;

/** Shows what the address says: leaving a party the address no longer names. */
async function render() {
  const mine = ++routing;
  const r = route();
  const party = currentParty();
  if (party && !(r.view === "room" && r.roomId === party.roomId)) await leaveParty();
  if (r.view !== "lobby") stopLobby();
  if (r.view === "lobby") {
    show("lobby");
    startLobby((roomId) => go(`/r/${encodeURIComponent(roomId)}`, { username: myName() }));
  } else if (r.view === "thread") {
    show("thread");
    showThread(r.anime, r.episode);
  } else if (r.view === "stats") {
    show("room-stats");
    void showRoomStats(r.roomId);
  } else if (!party || party.roomId !== r.roomId) {
    const options = pending?.roomId === r.roomId ? pending.options : { username: myName() };
    pending = undefined;
    await join(r.roomId, options, mine);
  }
}

function go(path, options) {
  if (options) pending = { roomId: decodeURIComponent(path.split("/")[2]), options };
  history.pushState(null, "", path);
  void render();
}

// A reload resumes the seat it left (Colyseus reconnection token, kept for this tab at pagehide).
// WatchParty has no way to adopt a reconnected room, so its next joinById is made a reconnect.
const RESUME_KEY = "anisync-resume";
window.addEventListener("pagehide", () => {
  const party = currentParty();
  const token = party?.room?.reconnectionToken;
  if (token) sessionStorage.setItem(RESUME_KEY, JSON.stringify({ roomId: party.roomId, token }));
});
function resumeToken(roomId) {
  const kept = JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? "null");
  sessionStorage.removeItem(RESUME_KEY);
  return kept?.roomId === roomId ? kept.token : undefined;
}
function resuming(token) {
  let used = false;
  const joinById = (...args) => (used ? client.joinById(...args) : ((used = true), client.reconnect(token)));
  return Object.create(client, { joinById: { value: joinById } });
}

// Private rooms this browser has been in: it may enter again without the key (a former member).
const VISITED_MAX = 50;
const visited = () => remembered.get("visited", []);
const remember = (roomId) =>
  remembered.set("visited", [roomId, ...visited().filter((id) => id !== roomId)].slice(0, VISITED_MAX));

/**
 * Whether a join without key or invite is worth trying: a private room (401 to a stranger) this
 * browser has never been in asks for its key first, since every refused join counts as a wrong key.
 */
async function mayTryWithoutKey(roomId) {
  const res = await fetch(`/api/rooms/${encodeURIComponent(roomId)}`).catch(() => undefined);
  if (res?.status === 404) throw new Error("ROOM_NOT_FOUND: no such room");
  return res?.status !== 401 || visited().includes(roomId);
}

async function join(roomId, options, mine) {
  show(null);
  $("conn").textContent = "joining…";
  let party;
  const as = { ...(await identity()), ...options };
  const token = resumeToken(roomId);
  if (token) party = await WatchParty.join(resuming(token), roomId, as).catch(() => undefined);
  try {
    if (!party && !options.access_key && !options.invite && !(await mayTryWithoutKey(roomId)))
      throw new Error("INVALID_ACCESS_KEY: access_key: required for a private room");
    party ??= await WatchParty.join(client, roomId, as);
  } catch (err) {
    if (mine !== routing) return;
    return refused(roomId, options, String(err.message ?? err));
  }
  if (mine !== routing) return void party.leave().catch(() => {});
  remember(roomId);
  show("party");
  enterParty(party);
}

/** A join was refused: a private room asks for its key; anything else goes back to the lobby. */
function refused(roomId, options, message) {
  $("conn").textContent = "offline";
  if (/^(INVALID_ACCESS_KEY|TOO_MANY_ATTEMPTS)/.test(message) && !options.invite) {
    show("key-prompt");
    $("key-form").dataset.roomId = roomId;
    $("key-error").textContent = options.access_key ? message.replace(/^[A-Z_]+: /, "") : "";
    $("key-form").access_key.value = "";
    $("key-form").access_key.focus();
    return;
  }
  history.replaceState(null, "", "/");
  void render();
  $("lobby-error").textContent = /^ROOM_NOT_FOUND/.test(message)
    ? `There is no party ${roomId} (it may have ended). Pick one below.`
    : /^USER_ALREADY_IN_ROOM/.test(message)
      ? `You are already in party ${roomId} (another tab, or a seat still held): try again in a few seconds.`
      : `Could not join ${roomId}: ${message}`;
}

setupCreateForm(async (options) => {
  rememberName(options.host_username);
  $("lobby-error").textContent = "";
  const mine = ++routing;
  try {
    const { user_id } = await identity();
    const party = await WatchParty.create(client, {
      ...options,
      ...(user_id ? { host_user_id: user_id } : {}),
    });
    if (mine !== routing) return void party.leave().catch(() => {});
    remember(party.roomId);
    stopLobby();
    history.pushState(null, "", `/r/${encodeURIComponent(party.roomId)}`);
    show("party");
    enterParty(party);
  } catch (err) {
    $("lobby-error").textContent = String(err.message ?? err);
  }
});

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  rememberName(f.username.value);
  const options = { username: f.username.value };
  if (f.access_key.value) options.access_key = f.access_key.value.trim();
  $("lobby-error").textContent = "";
  go(`/r/${encodeURIComponent(f.room_id.value.trim())}`, options);
});

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  rememberName(f.username.value);
  void join(
    f.dataset.roomId,
    { username: f.username.value, access_key: f.access_key.value.trim() },
    ++routing,
  );
});

$("leave").addEventListener("click", () => go("/"));

document.addEventListener("click", (e) => {
  const a = e.target.closest?.("a[data-nav]");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  go(a.getAttribute("href"));
});
window.addEventListener("popstate", () => void render());

// an invite link (`/?room=<id>#invite=<secret>`) joins at once; the secret leaves the address bar
const hash = new URLSearchParams(location.hash.slice(1));
const invited = new URLSearchParams(location.search).get("room");
if (hash.get("room")) $("join-form").room_id.value = hash.get("room");
if (invited && hash.get("invite")) {
  pending = { roomId: invited, options: { username: myName(), invite: hash.get("invite") } };
  history.replaceState(null, "", `/r/${encodeURIComponent(invited)}`);
}
void render();

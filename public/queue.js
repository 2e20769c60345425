// The episode queue in the room view (issue 11): the queue with the current item marked, the
// auto-advance countdown (live, to the state's `advance_at`), and for host and co-hosts: add the
// next episode, play an item now, remove one, next now, cancel the countdown, the autoplay setting.
// Also the member list's roles (co-host) and the host's and owner's per-member buttons (co-host,
// remove, ban with the reason typed above the list), and a removed member is told why. The video
// element follows the current item; the host's player ending reports `ended` (the countdown starts).
import { $, el, clock } from "./dom.js";

let party;
let video;
/** the video_url the element was given (the element's own src is normalized) */
let loadedUrl;
let offs = [];
let ticker;
/** what the queue list shows, to redraw it (and lose focus) only on a change */
let drawn = "";
/** the countdown that was announced (advance_at), to announce each one once */
let announced = 0;

const canManage = () => party.isHost || party.state.members.get(party.userId)?.is_cohost === true;
const mayModerate = () => party.isHost || party.isOwner;
/** "Episode 2 · Frieren", and the item's own title when it is not just that */
const itemTitle = (i) => {
  const base = `Episode ${i.episode_number} · ${i.anime_title}`;
  return i.title && i.title !== `${i.anime_title} ${i.episode_number}` ? `${base} — ${i.title}` : base;
};

/** Starts the queue panel for a joined party whose video element party.js set up. */
export function enterQueue(joined, videoElement) {
  leaveQueue();
  party = joined;
  video = videoElement;
  loadedUrl = party.state.video_url;
  drawn = "";
  announced = 0;
  $("queue-status").textContent = "";
  $("queue-form").reset();
  const mine = party;
  const live =
    (fn) =>
    (...args) =>
      mine === party && fn(...args);
  offs = [
    party.on("state", live(render)),
    party.on("welcome", live(render)),
    party.on("leave", live(removed)),
  ];
  video.addEventListener("ended", reportEnded);
  ticker = setInterval(live(renderCountdown), 250);
  render();
}

export function leaveQueue() {
  for (const off of offs) off();
  offs = [];
  clearInterval(ticker);
  video?.removeEventListener("ended", reportEnded);
  party = undefined;
}

/** A co-host badge for the member list. */
export function memberBadges(m) {
  return m.is_cohost ? [el("span", "co-host", "pill cohost"), " "] : [];
}

/** The host's and owner's buttons for one member: co-host (host only), remove, ban. */
export function memberActions(m) {
  if (!party || m.user_id === party.userId || m.user_id === party.state.owner_user_id) return [];
  const out = [];
  const button = (text, label, key, fn) => {
    const b = el("button", text, "small secondary");
    b.type = "button";
    b.dataset.focusKey = `${key}:${m.user_id}`;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", fn);
    out.push(b);
  };
  if (party.isHost)
    button(
      m.is_cohost ? "demote" : "co-host",
      m.is_cohost ? `Demote ${m.username} from co-host` : `Make ${m.username} a co-host`,
      "cohost",
      () => party.setCohost(m.user_id, !m.is_cohost),
    );
  if (mayModerate()) {
    const reason = () => $("mod-reason").value.trim() || undefined;
    button("remove", `Remove ${m.username} from the party`, "remove", () =>
      party.removeMember(m.user_id, reason()),
    );
    button("ban", `Ban ${m.username} from this room`, "ban", () => party.ban(m.user_id, reason()));
  }
  return out;
}

/** A member the host removed or banned is told why (the server's close reason). */
function removed(_code, reason) {
  const m = /^(REMOVED|BANNED): (.*)$/.exec(reason ?? "");
  if (!m) return;
  $("party-error").textContent =
    m[1] === "BANNED"
      ? `You were banned from this room: ${m[2]}`
      : `You were removed from the party: ${m[2]}`;
}

/** The host's player reached the end: the room counts down to the next item. */
function reportEnded() {
  if (!party?.isHost || loadedUrl !== party.state.video_url) return;
  party.status({ current_time: video.currentTime, is_playing: false, ended: true });
}

function render() {
  if (!party) return;
  const s = party.state;
  if (s.video_url !== loadedUrl) {
    // the queue moved on: the element loads the new item; attach() puts it where the room is
    loadedUrl = s.video_url;
    video.src = loadedUrl;
    const now = [...s.queue].find((i) => i.item_id === s.current_item);
    if (now) $("queue-status").textContent = `Now playing: ${itemTitle(now)}.`;
  }
  const manage = canManage();
  $("queue-form").classList.toggle("hidden", !manage);
  $("autoplay-line").classList.toggle("hidden", !manage);
  $("autoplay-next").checked = s.settings.autoplay_next;
  $("mod-reason-line").classList.toggle("hidden", !mayModerate());
  if (manage && !$("queue-form").episode_number.value) prefill();
  renderList(manage);
  renderCountdown();
}

function renderList(manage) {
  const s = party.state;
  const items = [...s.queue];
  const key = JSON.stringify([manage, s.current_item, items.map((i) => [i.item_id, itemTitle(i)])]);
  if (key === drawn) return;
  drawn = key;
  const list = $("queue");
  const refocus = document.activeElement?.dataset?.focusKey;
  list.replaceChildren();
  for (const item of items) {
    const current = item.item_id === s.current_item;
    const li = el("li");
    li.dataset.itemId = item.item_id;
    if (current) li.setAttribute("aria-current", "true");
    const what = el("span");
    if (current) what.append(el("span", "now", "pill host"), " ");
    what.append(el("b", itemTitle(item)));
    if (item.duration_s > 0) what.append(" ", el("span", clock(item.duration_s), "muted"));
    li.append(what);
    if (manage && !current) {
      const actions = el("span");
      const button = (text, label, k, fn) => {
        const b = el("button", text, "small secondary");
        b.type = "button";
        b.dataset.focusKey = `${k}:${item.item_id}`;
        b.setAttribute("aria-label", label);
        b.addEventListener("click", fn);
        actions.append(b);
      };
      button("play now", `Play now: ${itemTitle(item)}`, "jump", () => party.queueJump(item.item_id));
      button("remove", `Remove ${itemTitle(item)} from the queue`, "drop", () =>
        party.queueRemove(item.item_id),
      );
      li.append(actions);
    }
    list.append(li);
  }
  if (refocus) list.querySelector(`[data-focus-key="${CSS.escape(refocus)}"]`)?.focus();
}

/** The countdown, in whole seconds to the server's switch time; announced once when it starts. */
function renderCountdown() {
  if (!party) return;
  const s = party.state;
  const items = [...s.queue];
  const next = items[items.findIndex((i) => i.item_id === s.current_item) + 1];
  const counting = s.advance_at > 0 && next !== undefined;
  const manage = canManage();
  $("queue-countdown").classList.toggle("hidden", !counting);
  $("queue-controls").classList.toggle("hidden", !manage || !next);
  $("queue-cancel").classList.toggle("hidden", !counting);
  if (!counting) return;
  const seconds = Math.max(0, Math.ceil((s.advance_at - party.serverNow()) / 1000));
  $("queue-next-title").textContent = itemTitle(next);
  if ($("queue-timer").textContent !== String(seconds)) $("queue-timer").textContent = String(seconds);
  if (announced !== s.advance_at) {
    announced = s.advance_at;
    $("queue-status").textContent = `Up next in ${seconds} s: ${itemTitle(next)}.`;
  }
}

/** The add form starts from the last item: same anime, the episode after it. */
function prefill() {
  const f = $("queue-form");
  const last = [...party.state.queue].at(-1);
  if (!last) return;
  f.anime_id.value = last.anime_id;
  f.anime_title.value = last.anime_title;
  f.episode_number.value = String(last.episode_number + 1);
}

$("queue-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  if (!party) return;
  const item = {
    anime_id: f.anime_id.value.trim(),
    anime_title: f.anime_title.value.trim(),
    episode_number: Number(f.episode_number.value),
    video_url: f.video_url.value.trim(),
  };
  if (f.duration_s.value) item.duration_s = Number(f.duration_s.value);
  party.queueAdd([item]);
  f.episode_number.value = String(item.episode_number + 1);
  f.video_url.value = "";
  f.duration_s.value = "";
  $("queue-status").textContent = `Added ${itemTitle(item)}.`;
});

$("queue-next").addEventListener("click", () => party?.advanceNow());
$("queue-cancel").addEventListener("click", () => party?.cancelAdvance());
$("autoplay-next").addEventListener("change", (e) => party?.settings({ autoplay_next: e.target.checked }));

// An episode's comment thread outside any room: /a/<anime_id>/<episode>. The spoiler slider is the
// API's `until` (comments stamped later are hidden); pages of PAGE_SIZE follow `next_cursor`.
import { $, el, clock } from "./dom.js";

const PAGE_SIZE = 20;
let at = { anime: "", episode: 0 };
let cursor = null;
let shown = 0;
let generation = 0;
let debounce;

export function showThread(anime, episode) {
  at = { anime, episode };
  $("thread-title").textContent = `${anime} · Episode ${episode}`;
  document.title = `${anime} episode ${episode} — AniSync`;
  void titleFromListing(anime, episode);
  const slider = $("spoiler");
  slider.value = slider.max;
  sliderText();
  void load(true);
}

const until = () => {
  const slider = $("spoiler");
  return Number(slider.value) >= Number(slider.max) ? undefined : Number(slider.value);
};

function sliderText() {
  const limit = until();
  $("spoiler-value").textContent = limit === undefined ? "the end (all comments)" : clock(limit);
  $("spoiler").setAttribute("aria-valuetext", limit === undefined ? "all comments" : clock(limit));
}

$("spoiler").addEventListener("input", () => {
  sliderText();
  clearTimeout(debounce);
  debounce = setTimeout(() => load(true), 250);
});
$("thread-more").addEventListener("click", () => load(false));

async function load(fresh) {
  const mine = ++generation;
  const query = new URLSearchParams({
    anime_id: at.anime,
    episode_number: String(at.episode),
    order: "oldest",
    limit: String(PAGE_SIZE),
  });
  const limit = until();
  if (limit !== undefined) query.set("until", String(limit));
  if (!fresh && cursor) query.set("cursor", cursor);
  $("thread-error").textContent = "";
  try {
    const res = await fetch(`/api/comments?${query}`);
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    const body = await res.json();
    if (mine !== generation) return;
    if (fresh) {
      $("thread-comments").replaceChildren();
      shown = 0;
    }
    for (const c of body.data.comments) $("thread-comments").append(item(c));
    cursor = body.next_cursor ?? null;
    $("thread-more").classList.toggle("hidden", !cursor);
    status(limit);
  } catch (err) {
    if (mine !== generation) return;
    $("thread-error").textContent = `Could not load the comments (${err.message}). Reload to try again.`;
  }
}

function status(limit) {
  const upTo = limit === undefined ? "" : ` up to ${clock(limit)}`;
  $("thread-status").textContent =
    shown === 0
      ? `No comments${upTo} yet.${limit === undefined ? "" : " Slide further to see later ones."}`
      : `${shown} comment${shown === 1 ? "" : "s"}${upTo}${cursor ? ", more below" : ""}.`;
}

/** A comment and its replies, as text only. */
function item(c) {
  shown++;
  const li = el("li");
  li.dataset.commentId = c.id;
  const head = el("p", undefined, "comment-head");
  if (c.video_timestamp !== null && c.video_timestamp !== undefined)
    head.append(el("span", clock(c.video_timestamp), "ts"), " ");
  head.append(el("b", c.username), " ", el("span", new Date(c.created_at).toLocaleString(), "muted"));
  li.append(head, el("p", c.message, "msg"));
  if (c.replies?.length) {
    const replies = el("ul", undefined, "replies");
    for (const r of c.replies) replies.append(item(r));
    li.append(replies);
  }
  return li;
}

/** The anime's title, if a public party of it is listed (the thread API has only the id). */
async function titleFromListing(anime, episode) {
  try {
    const res = await fetch(`/api/rooms?${new URLSearchParams({ anime_id: anime, limit: "1" })}`);
    const room = (await res.json()).data?.[0];
    if (room && at.anime === anime)
      $("thread-title").textContent = `${room.anime_title} · Episode ${episode}`;
  } catch {
    /* the id stays as the title */
  }
}

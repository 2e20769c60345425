// The create form: anime, episode and video remembered per browser (localStorage), and the video
// URL checked in this browser before a room is made (it loads, or a message says why not).
import { $, clock, remembered } from "./dom.js";

const KEPT = ["anime_id", "anime_title", "episode_number", "video_url"];
const CHECK_TIMEOUT_MS = 8000;
const WHY = {
  1: "loading was stopped",
  2: "a network error interrupted the download",
  3: "this browser could not decode it",
  4: "nothing playable at that address (not found, or a format this browser does not play)",
};
let checks = 0;

/** Fills the form from memory; `create(options)` runs once the video has loaded. */
export function setupCreateForm(create) {
  const form = $("create-form");
  form.video_url.value = new URL("/media/test.webm", location.href).href;
  const kept = remembered.get("create", {});
  for (const name of KEPT) if (kept[name] !== undefined && kept[name] !== "") form[name].value = kept[name];
  // checked on submit only: a check on "change" (blur) would move the button under a click
  form.video_url.addEventListener("input", () => {
    checks++;
    $("video-check").textContent = "";
    form.video_url.removeAttribute("aria-invalid");
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    remembered.set("create", Object.fromEntries(KEPT.map((name) => [name, form[name].value])));
    if (!(await checkVideo(form.video_url))) return form.video_url.focus();
    create({
      title: form.title.value,
      anime_id: form.anime_id.value.trim(),
      anime_title: form.anime_title.value,
      episode_number: Number(form.episode_number.value),
      video_url: form.video_url.value,
      host_username: form.username.value,
      is_public: !form.private.checked,
    });
  });
}

/** Loads the video's metadata in a detached element: true if it plays here. */
function checkVideo(input) {
  const mine = ++checks;
  const out = $("video-check");
  const say = (text, kind) => {
    if (mine !== checks) return;
    out.textContent = text;
    out.className = kind;
    input.setAttribute("aria-invalid", String(kind === "error"));
  };
  say("Checking the video…", "muted");
  return new Promise((resolve) => {
    const video = document.createElement("video");
    video.muted = true;
    video.preload = "metadata";
    let settled = false;
    const done = (ok, text) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      video.removeAttribute("src");
      video.load();
      say(text, ok ? "ok" : "error");
      resolve(ok);
    };
    const timer = setTimeout(
      () => done(false, `The video did not load within ${CHECK_TIMEOUT_MS / 1000} s: check the URL.`),
      CHECK_TIMEOUT_MS,
    );
    video.addEventListener(
      "loadedmetadata",
      () =>
        done(true, `The video loads${Number.isFinite(video.duration) ? ` (${clock(video.duration)})` : ""}.`),
      { once: true },
    );
    video.addEventListener(
      "error",
      () => done(false, `This video cannot be played here: ${WHY[video.error?.code] ?? "unknown error"}.`),
      { once: true },
    );
    video.src = input.value;
  });
}

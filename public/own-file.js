// "Use my own file": a member plays a local copy of the episode instead of the room's video. The
// SDK's attach() keeps it in sync by time as any video; the room is told the file's name and length
// (`media`, protocol 1.1), and the member list marks a copy whose length is not the episode's
// ("different file", as for a Syncplay member). "Back to the room's video" clears it; so does the
// queue moving on to the next episode (the copy was of this one).
import { $, el, clock } from "./dom.js";

let party;
let video;
/** the object URL of the file playing, while one is */
let fileUrl;
/** what the room was told: the file's name and length, to tell it again after a rejoin */
let told;
/** the listeners of the file being loaded */
let loading;
let offs = [];

/** Offers the control for a joined party whose video element party.js set up. */
export function enterOwnFile(joined, videoElement) {
  leaveOwnFile();
  party = joined;
  video = videoElement;
  $("own-file-note").textContent = "";
  video.addEventListener("loadstart", replaced);
  offs = [party.on("rejoin", () => told && party.media(told.name, told.durationS))];
}

export function leaveOwnFile() {
  for (const off of offs) off();
  offs = [];
  video?.removeEventListener("loadstart", replaced);
  stop();
  party = undefined;
}

/** A member's badge for the member list: "own file", or "different file" when its length is not the item's. */
export function fileBadges(m) {
  if (!m.media_name) return [];
  const len = m.media_duration_s > 0 ? ` (${clock(m.media_duration_s)})` : "";
  const badge = el("span", m.different_file ? "different file" : "own file", "pill own-file");
  if (m.different_file) badge.classList.add("drifting");
  const item = party && [...party.state.queue].find((i) => i.item_id === party.state.current_item);
  badge.title =
    `Plays their own file: "${m.media_name}"${len}` +
    (m.different_file && item ? `; this episode is ${clock(item.duration_s)}` : "");
  return [badge, " "];
}

function stop() {
  loading?.abort();
  if (fileUrl) URL.revokeObjectURL(fileUrl);
  fileUrl = undefined;
  told = undefined;
  $("own-file").value = "";
  $("own-file-back").classList.add("hidden");
}

/** Something else loaded into the element (queue.js: the next episode): the copy was of the last one. */
function replaced() {
  if (!fileUrl || video.src === fileUrl) return;
  stop();
  party?.media("", 0);
  $("own-file-note").textContent = "The room moved on to another episode: back to the room's video.";
}

$("own-file").addEventListener("change", (e) => {
  const file = e.target.files?.[0];
  if (!party || !file) return;
  const url = URL.createObjectURL(file);
  const old = fileUrl;
  fileUrl = url;
  if (old) URL.revokeObjectURL(old);
  $("own-file-back").classList.remove("hidden");
  $("own-file-note").textContent = `Loading your file "${file.name}"…`;
  loading?.abort();
  loading = new AbortController();
  const signal = loading.signal;
  const loaded = () => {
    loading.abort();
    const d = video.duration;
    told = { name: file.name, durationS: Number.isFinite(d) ? d : 0 };
    party.media(told.name, told.durationS);
    $("own-file-note").textContent =
      `Playing your file "${file.name}"${told.durationS ? ` (${clock(d)})` : ""}, in sync with the room by time.`;
  };
  const failed = () => {
    back();
    $("own-file-note").textContent = `This browser cannot play "${file.name}": back to the room's video.`;
  };
  video.addEventListener("loadedmetadata", loaded, { signal });
  video.addEventListener("error", failed, { signal });
  // attach() puts the new source where the room is once it has loaded
  video.src = url;
});

/** The room's video again. */
function back() {
  if (!party) return;
  stop();
  video.src = party.state.video_url;
  party.media("", 0);
  $("own-file-note").textContent = "Back to the room's video.";
}

$("own-file-back").addEventListener("click", back);

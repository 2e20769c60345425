// Group playback on the party page (issue 10): who the room waits for (a buffering hold, a ready
// check), the ready / not ready answer, "Skip intro" while the video is in a segment, the host's
// speed, auto-skip, wait-for-buffering and ready-check controls, and a reactions bar that shows
// everyone's reactions as they arrive. Built into #group; the SDK does the rest.
import { $, el, clock } from "./dom.js";

const SPEEDS = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
const REACTIONS = [
  ["👍", "Thumbs up"],
  ["😂", "Laugh"],
  ["😮", "Wow"],
  ["😢", "Sad"],
  ["🔥", "Fire"],
];
const SEGMENT_NAMES = { intro: "intro", outro: "outro", recap: "recap" };
const REACTIONS_SHOWN = 6;

let party;
let timer;
const offs = [];

/** The panel's parts, built once. */
function build() {
  const root = $("group");
  if (root.childElementCount) return;
  const h2 = el("h2", "Watch together");
  h2.id = "group-heading";
  const status = el("p", "", "muted");
  status.id = "group-status";
  status.setAttribute("role", "status");
  const deadline = el("p", "", "muted");
  deadline.id = "group-deadline";
  const speedLine = el("p", "", "muted");
  speedLine.id = "group-speed-line";

  const answer = el("div", undefined, "group-row hidden");
  answer.id = "group-answer";
  const yes = button("group-ready", "I'm ready");
  const no = button("group-not-ready", "Not ready", "secondary");
  yes.addEventListener("click", () => party?.ready(true));
  no.addEventListener("click", () => party?.ready(false));
  answer.append(yes, no);

  const skip = button("group-skip", "Skip intro", "hidden");
  skip.addEventListener("click", () => party?.skip());

  const host = el("div", undefined, "hidden");
  host.id = "group-host";
  const speed = el("select");
  speed.id = "group-speed";
  for (const s of SPEEDS) {
    const o = el("option", `${s}×`);
    o.value = String(s);
    speed.append(o);
  }
  speed.addEventListener("change", () => party?.setRate(Number(speed.value)));
  const speedLabel = el("label", "Speed ");
  speedLabel.append(speed);
  const autoSkip = checkbox("group-auto-skip", "Skip intros, outros and recaps automatically", (on) =>
    party?.settings({ auto_skip: on }),
  );
  const wait = checkbox("group-wait", "Wait for whoever buffers (up to a limit)", (on) =>
    party?.settings({ wait_for_buffering: on }),
  );
  const timeout = el("input");
  Object.assign(timeout, { id: "group-ready-timeout", type: "number", min: "3", max: "300", value: "30" });
  const timeoutLabel = el("label", "Ready check time limit (s) ");
  timeoutLabel.append(timeout);
  const start = button("group-ready-check", "Start ready check", "secondary");
  start.addEventListener("click", () => {
    const s = Math.min(300, Math.max(3, Number(timeout.value) || 30));
    party?.readyCheck(s);
  });
  const check = el("div", undefined, "group-row");
  check.append(timeoutLabel, start);
  host.append(speedLabel, autoSkip, wait, check);

  const bar = el("div", undefined, "group-row reactions");
  bar.id = "group-react";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "React at this moment");
  for (const [emoji, name] of REACTIONS) {
    const b = button(undefined, emoji, "secondary");
    b.setAttribute("aria-label", name);
    b.dataset.emoji = emoji;
    b.addEventListener("click", () => party?.react(emoji, Math.max(0, $("video").currentTime)));
    bar.append(b);
  }
  // a live log around the list (a list with role=log would no longer be a list)
  const log = el("div");
  log.setAttribute("role", "log");
  log.setAttribute("aria-label", "Reactions");
  const list = el("ul");
  list.id = "group-reactions";
  list.setAttribute("aria-label", "Reactions");
  log.append(list);

  root.append(h2, status, deadline, answer, skip, speedLine, host, bar, log);
}

function button(id, text, className) {
  const b = el("button", text, className);
  b.type = "button";
  if (id) b.id = id;
  return b;
}

function checkbox(id, text, onChange) {
  const input = el("input");
  input.type = "checkbox";
  input.id = id;
  input.addEventListener("change", () => onChange(input.checked));
  const label = el("label", undefined, "row");
  label.append(input, ` ${text}`);
  return label;
}

/** Shows the panel for a joined party. */
export function showGroup(joined) {
  hideGroup();
  build();
  party = joined;
  $("group-reactions").replaceChildren();
  const mine = party;
  offs.push(
    party.on("state", () => mine === party && render()),
    party.on("welcome", () => mine === party && render()),
    party.on("reaction", (r) => mine === party && addReaction(r)),
    party.on("reaction_counts", (c) => mine === party && addCounts(c)),
  );
  // the video moves into and out of segments between state patches
  timer = setInterval(renderSegment, 250);
  render();
}

export function hideGroup() {
  party = undefined;
  clearInterval(timer);
  for (const off of offs.splice(0)) off();
}

const nameOf = (s, id) => s.members.get(id)?.username ?? id;

function render() {
  if (!party) return;
  const s = party.state;
  const me = s.members.get(party.userId);
  const manages = party.isHost || me?.is_cohost === true;
  const rc = s.ready_check;
  const connected = [...s.members.values()].filter((m) => m.connected);

  let text = "";
  if (s.hold.active) {
    const who = [...s.hold.waiting_for].map((id) => nameOf(s, id));
    text = `Paused for everyone at ${clock(s.hold.position)}: waiting for ${who.join(", ") || "…"} (buffering).`;
  } else if (rc.active) {
    const pending = connected.filter((m) => m.ready !== "ready").map((m) => m.username);
    const ready = connected.length - pending.length;
    text = `Ready check: ${ready} of ${connected.length} ready; waiting for ${pending.join(", ")}.`;
  } else {
    const lagging = [...s.members.values()].filter((m) => m.lagging).map((m) => m.username);
    if (lagging.length) text = `${lagging.join(", ")} fell behind and is catching up.`;
  }
  if ($("group-status").textContent !== text) $("group-status").textContent = text;

  $("group-answer").classList.toggle("hidden", !rc.active);
  $("group-ready").setAttribute("aria-pressed", String(me?.ready === "ready"));
  $("group-not-ready").setAttribute("aria-pressed", String(me?.ready === "not_ready"));
  renderDeadline();

  const rate = s.playback.rate;
  $("group-speed-line").textContent = rate === 1 || manages ? "" : `Playing at ${rate}× (the host's choice).`;
  $("group-host").classList.toggle("hidden", !manages);
  const speed = $("group-speed");
  if (document.activeElement !== speed) speed.value = String(rate);
  $("group-auto-skip").checked = s.settings.auto_skip;
  $("group-wait").checked = s.settings.wait_for_buffering;
  renderSegment();
}

function renderDeadline() {
  const rc = party?.state.ready_check;
  const left = rc?.active ? Math.max(0, Math.ceil((rc.deadline - party.serverNow()) / 1000)) : 0;
  $("group-deadline").textContent = rc?.active ? `Starts in ${left} s at the latest.` : "";
}

function renderSegment() {
  if (!party) return;
  renderDeadline();
  const segment = party.currentSegment();
  const skip = $("group-skip");
  const show = segment !== undefined && party.canControl;
  skip.classList.toggle("hidden", !show);
  if (show) {
    const label = `Skip ${SEGMENT_NAMES[segment.kind] ?? segment.kind}`;
    if (skip.textContent !== label) skip.textContent = label;
    skip.dataset.kind = segment.kind;
  }
}

/** A big room's reactions of the last second, as one line: "🔥 ×20 · 😂 ×3 in the last second". */
function addCounts(c) {
  const li = el("li");
  const parts = Object.entries(c.counts).sort((a, b) => b[1] - a[1]);
  li.append(
    ...parts.flatMap(([emoji, n], i) => [...(i ? [" · "] : []), el("span", emoji, "emoji"), ` ×${n}`]),
    " in the last second",
  );
  const log = $("group-reactions");
  log.prepend(li);
  while (log.childElementCount > REACTIONS_SHOWN) log.lastElementChild.remove();
}

function addReaction(r) {
  const s = party.state;
  const li = el("li");
  li.append(
    el("span", r.emoji, "emoji"),
    " ",
    el("b", nameOf(s, r.user_id)),
    ` at ${clock(r.video_timestamp)}`,
  );
  const log = $("group-reactions");
  log.prepend(li);
  while (log.childElementCount > REACTIONS_SHOWN) log.lastElementChild.remove();
}

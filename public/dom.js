// Small DOM and storage helpers shared by the page's modules. User text only ever goes through
// textContent (el), never as HTML.

export const $ = (id) => document.getElementById(id);

export const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};

/** Seconds as m:ss (h:mm:ss from an hour). */
export const clock = (s) => {
  const t = Math.max(0, Math.floor(s ?? 0));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const ss = String(t % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
};

let shown;
/**
 * Shows one of the page's views (lobby, key prompt, party, thread, room stats) and hides the others; on a
 * change of view, focus moves to its heading so keyboard and screen-reader users start there.
 */
export function show(view) {
  for (const id of ["lobby", "key-prompt", "party", "thread", "room-stats"])
    $(id).classList.toggle("hidden", id !== view);
  if (view === shown) return;
  const first = shown === undefined;
  shown = view;
  const heading = view && $(view).querySelector("h1");
  if (!heading || first) return;
  heading.tabIndex = -1;
  heading.focus({ preventScroll: false });
}

/** What this browser remembers (localStorage), as JSON; silently nothing when storage is off. */
export const remembered = {
  get(key, fallback) {
    try {
      return JSON.parse(localStorage.getItem(`anisync-${key}`)) ?? fallback;
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(`anisync-${key}`, JSON.stringify(value));
    } catch {
      /* storage disabled: remembered for this page only */
    }
  },
};

/** The member token of each room this tab joined (sessionStorage): the room page reads private stats with it. */
export const memberTokens = {
  get(roomId) {
    try {
      return sessionStorage.getItem(`anisync-member-${roomId}`);
    } catch {
      return null;
    }
  },
  set(roomId, token) {
    try {
      if (token) sessionStorage.setItem(`anisync-member-${roomId}`, token);
    } catch {
      /* storage disabled: the room page asks to join first */
    }
  },
};

import assert from "node:assert/strict";
import { attach, type PartyLike } from "../../client/attach-video.ts";
import type { StatusReport } from "../../client/follow.ts";

/** Just enough of an HTMLVideoElement; events fire synchronously. */
class FakeVideo extends EventTarget {
  paused = true;
  playbackRate = 1;
  seeking = false;
  ended = false;
  duration = 1440;
  /** HAVE_ENOUGH_DATA unless a test starves it */
  readyState = 4;
  /** NETWORK_IDLE (all loaded) unless a test starves it */
  networkState = 1;
  private time = 0;
  get currentTime(): number {
    return this.time;
  }
  set currentTime(t: number) {
    this.time = t;
    this.dispatchEvent(new Event("seeked"));
  }
  play(): Promise<void> {
    if (this.paused) {
      this.paused = false;
      this.dispatchEvent(new Event("play"));
    }
    return Promise.resolve();
  }
  pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.dispatchEvent(new Event("pause"));
    }
  }
}

type Playback = { is_playing: boolean; position: number; updated_at: number; rate: number; seq: number };
type Hold = { active: boolean; waiting_for: string[] };

class FakeParty implements PartyLike {
  isHost: boolean;
  clockSynced = true;
  userId = "me";
  state: { playback: Playback; hold: Hold };
  server = 12_000;
  controls: [string, number][] = [];
  reports: StatusReport[] = [];
  private listeners = new Set<() => void>();
  constructor(isHost: boolean, playback: Playback) {
    this.isHost = isHost;
    this.state = { playback, hold: { active: false, waiting_for: [] } };
  }
  serverNow(): number {
    return this.server;
  }
  control(action: string, currentTime: number): void {
    this.controls.push([action, currentTime]);
  }
  status(report: StatusReport): void {
    this.reports.push(report);
  }
  on(_event: "state", listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** the room's playback changes, as a patch would change it */
  patch(playback: Partial<Playback>, hold?: Hold): void {
    this.state.playback = { ...this.state.playback, ...playback };
    if (hold) this.state.hold = hold;
    for (const l of this.listeners) l();
  }
}

describe("client attach() to a video element", () => {
  let clock = 0;
  const options = { tickMs: 60_000, seekDebounceMs: 0, now: () => clock };
  const settle = () => new Promise((r) => setTimeout(r, 5));
  let detach: (() => void) | undefined;

  /** A party (host or member) with this playback, and a video attached to it. */
  function follow(isHost: boolean, playback: ConstructorParameters<typeof FakeParty>[1]) {
    const party = new FakeParty(isHost, playback);
    const video = new FakeVideo();
    detach = attach(party, video as unknown as HTMLVideoElement, options);
    return { party, video };
  }
  afterEach(() => detach?.());

  it("a member's video jumps to the host's position and plays, sending no control", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: true,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    assert.equal(video.currentTime, 102);
    assert.equal(video.paused, false);
    assert.deepEqual(party.controls, []);
    assert.deepEqual(party.reports, [{ current_time: 102, is_playing: true, buffering: false }]);
  });

  it("a member pauses at once when the host pauses, at the host's position", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: true,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    clock = 5_000;
    party.server = 13_000;
    party.patch({ is_playing: false, position: 103, updated_at: 13_000, seq: 2 });
    assert.equal(video.paused, true);
    assert.equal(video.currentTime, 103);
    assert.deepEqual(party.controls, []);
  });

  it("a member waits 0.5 s after its own seek before correcting again", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: false,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    assert.equal(video.currentTime, 100);
    clock = 499;
    party.patch({ position: 200, seq: 2 });
    assert.equal(video.currentTime, 100);
    clock = 500;
    party.patch({ seq: 3 });
    assert.equal(video.currentTime, 200);
  });

  it("a host joining a room with history takes the room's position without echoing it back", async () => {
    clock = 0;
    const { party, video } = follow(true, {
      is_playing: false,
      position: 50,
      updated_at: 10_000,
      rate: 1,
      seq: 2,
    });
    await settle();
    assert.equal(video.currentTime, 50);
    assert.deepEqual(party.controls, []);
  });

  it("the host's own play, pause and seek become control messages", async () => {
    clock = 0;
    const { party, video } = follow(true, {
      is_playing: false,
      position: 0,
      updated_at: 10_000,
      rate: 1,
      seq: 0,
    });
    void video.play(); // the user presses play
    video.currentTime = 70; // drags the scrubber
    await settle();
    video.pause();
    assert.deepEqual(party.controls, [
      ["play", 0],
      ["seek", 70],
      ["pause", 70],
    ]);
  });

  it("the host's video reaching its end reports `ended`; a member's does not", () => {
    clock = 0;
    const playing = { is_playing: true, position: 1439.9, updated_at: 12_000, rate: 1, seq: 3 };
    for (const isHost of [true, false]) {
      const { party, video } = follow(isHost, playing);
      video.paused = true;
      video.ended = true;
      video.dispatchEvent(new Event("ended"));
      const ended = party.reports.filter((r) => r.ended === true);
      assert.deepEqual(
        ended,
        isHost ? [{ current_time: 1439.9, is_playing: false, buffering: false, ended: true }] : [],
      );
      detach?.();
    }
  });

  it("a host's video that ends after the room moved on to another item reports nothing", () => {
    clock = 0;
    // the queue advanced (on the item's length) before the old video's last frame: the room is at 2 s
    const { party, video } = follow(true, {
      is_playing: true,
      position: 0,
      updated_at: 10_000,
      rate: 1,
      seq: 5,
    });
    video.currentTime = 1439.9;
    video.paused = true;
    video.ended = true;
    video.dispatchEvent(new Event("ended"));
    assert.deepEqual(
      party.reports.filter((r) => r.ended === true),
      [],
    );
  });

  it("a host whose pause is followed within a second by the next episode follows the switch", async () => {
    clock = 0;
    const { party, video } = follow(true, {
      is_playing: true,
      position: 0,
      updated_at: 12_000,
      rate: 1,
      seq: 4,
    });
    await settle();
    (video as unknown as { time: number }).time = 360; // the episode played to its end (no seek)
    video.pause(); // the player stops there: the host's pause goes out
    party.patch({ is_playing: false, position: 360, updated_at: 12_000, seq: 5 }); // its echo
    await settle();
    clock += 1000; // the countdown: the room switches to the next item, playing from 0
    party.patch({ is_playing: true, position: 0, updated_at: 12_000, seq: 6 });
    await settle();
    assert.equal(video.currentTime, 0, "the host's player went to the new item's start");
    assert.equal(video.paused, false, "and plays");
    assert.deepEqual(
      party.controls.map(([a]) => a),
      ["pause"],
      "the host sent nothing after its own pause: it followed the room",
    );
  });

  it("reports buffering at once and its end when playback resumes", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: true,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    clock = 500;
    video.dispatchEvent(new Event("waiting"));
    clock = 1_000;
    video.dispatchEvent(new Event("playing"));
    assert.deepEqual(
      party.reports.map((r) => r.buffering),
      [false, true, false],
    );
  });

  it("held for this member, it stays buffering while paused at the hold's position until it has data", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: true,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    clock = 2_000;
    video.readyState = 2;
    video.dispatchEvent(new Event("waiting"));
    assert.equal(party.reports.at(-1)!.buffering, true);
    // the room holds for this member: its video pauses (and seeks) to the hold's position
    clock = 2_100;
    party.patch(
      { is_playing: false, position: 103, updated_at: 13_000, seq: 2 },
      { active: true, waiting_for: ["me"] },
    );
    video.readyState = 1;
    const before = party.reports.length;
    // the element waits for data at the hold's position
    clock = 2_400;
    video.dispatchEvent(new Event("seeking"));
    video.dispatchEvent(new Event("waiting"));
    assert.equal(video.paused, true);
    assert.deepEqual(party.reports.slice(before), [
      { current_time: 103, is_playing: false, buffering: true },
    ]);
    // it can show the hold's frame (seeked back within what it has), but no new data came: still waiting
    video.networkState = 2;
    clock = 2_700;
    video.readyState = 4;
    video.dispatchEvent(new Event("canplay"));
    assert.equal(party.reports.at(-1)!.buffering, true);
    // data arrives: ready, and the room may resume
    clock = 3_000;
    video.dispatchEvent(new Event("progress"));
    video.dispatchEvent(new Event("canplay"));
    assert.deepEqual(party.reports.at(-1), { current_time: 103, is_playing: false, buffering: false });
  });

  it("a `stalled` event while the video still has data to play is not buffering", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: true,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    clock = 500;
    video.dispatchEvent(new Event("stalled"));
    assert.deepEqual(
      party.reports.map((r) => r.buffering),
      [false],
    );
    clock = 1_000;
    video.readyState = 2;
    video.dispatchEvent(new Event("stalled"));
    assert.deepEqual(
      party.reports.map((r) => r.buffering),
      [false, true],
    );
  });

  it("after a speed change the host's element closes the gap to the re-anchored room, also right after its own play", async () => {
    clock = -5_000; // its first alignment (a seek) long past
    const party = new FakeParty(true, {
      is_playing: false,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    const video = new FakeVideo();
    detach = attach(party, video as unknown as HTMLVideoElement, { ...options, tickMs: 1 });
    await settle();
    clock = 0;
    await video.play();
    assert.deepEqual(party.controls, [["play", 100]]);
    party.patch({ is_playing: true, position: 100, updated_at: 12_000, seq: 2 });
    // a second later the host asks for 0.5×; the server anchored it where it expected the host when
    // the message arrived, 30 ms behind the host's element (which kept 1× until the change came back)
    clock = 1_000;
    party.server = 13_000;
    (video as unknown as { time: number }).time = 101;
    party.patch({ rate: 0.5, position: 100.97, updated_at: 13_000, seq: 3 });
    await settle();
    assert.equal(video.playbackRate, 0.475, "nudged toward the room (within 5%), not a jump");
    // past the 2 s cooldown, still 20 ms ahead: still closing the gap
    clock = 3_500;
    party.server = 15_000;
    (video as unknown as { time: number }).time = 101.99;
    await settle();
    assert.equal(video.playbackRate, 0.48, "still slower");
    // closed: back to the room's speed, and the host leads again without a corrective control
    clock = 4_500;
    party.server = 16_000;
    (video as unknown as { time: number }).time = 102.472;
    await settle();
    assert.equal(video.playbackRate, 0.5);
    assert.deepEqual(party.controls, [["play", 100]]);
  });

  /** A host playing at the room's position 100 (the server's clock stands still), ticking every 2 ms. */
  async function ticking(): Promise<{ party: FakeParty; video: FakeVideo }> {
    clock = 0;
    const party = new FakeParty(true, {
      is_playing: true,
      position: 100,
      updated_at: 12_000,
      rate: 1,
      seq: 3,
    });
    const video = new FakeVideo();
    detach = attach(party, video as unknown as HTMLVideoElement, {
      ...options,
      tickMs: 2,
      seekDebounceMs: 50,
    });
    await settle();
    assert.equal(video.currentTime, 100);
    return { party, video };
  }

  it("the host's own seek right after a change it did not make is kept, not undone by following the room", async () => {
    const { party, video } = await ticking();
    clock = 1_000; // the server held and resumed the room (a member loaded): the host follows it a while
    party.patch({ seq: 4 });
    await settle();
    clock = 1_200;
    video.currentTime = 40; // the host seeks; ticks run before the debounced control goes out
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(video.currentTime, 40, "the host's seek stands");
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(party.controls, [["seek", 40]]);
  });

  it("the host's element given a new source takes the room's position once loaded, sending no control", async () => {
    const { party, video } = await ticking();
    clock = 10_000; // long after any control: the host leads
    // a new source (the host's own file): the element starts over, paused at 0, with nothing loaded
    Object.assign(video, { time: 0, paused: true, readyState: 0 });
    video.dispatchEvent(new Event("emptied"));
    await settle();
    clock = 13_000; // the file takes its time to load: the host still follows the room
    await settle();
    video.readyState = 4;
    await settle();
    assert.equal(video.currentTime, 100, "at the room's position");
    assert.equal(video.paused, false, "playing, as the room");
    assert.deepEqual(party.controls, [], "the room was not paused nor sent back to 0");
  });

  it("detaching stops following and restores the room's rate", () => {
    clock = 0;
    const { party, video } = follow(false, {
      is_playing: true,
      position: 100,
      updated_at: 10_000,
      rate: 1,
      seq: 1,
    });
    video.playbackRate = 0.97;
    detach!();
    detach = undefined;
    assert.equal(video.playbackRate, 1);
    party.patch({ is_playing: false, seq: 2 });
    assert.equal(video.paused, false);
  });
});

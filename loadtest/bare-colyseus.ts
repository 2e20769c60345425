/**
 * The yardstick for AniSync's host-action fan-out: a bare Colyseus 0.18 + Express server whose
 * `watch_party` room implements only what the fan-out benchmark exercises of the contract:
 * create and join with the contract's options, the contract's state (WatchPartyState, of which it
 * fills the members, member_count and playback), and `control` (play, pause, seek) that moves the
 * playback and flushes the patch at once. No identities, limits, storage, metrics or group
 * playback: what a room costs without them.
 *
 * The state is the contract's whole schema, not only the fields this room fills: a member's SDK
 * builds its classes from the schema the server sends, and with 100 members decoding in one load
 * generator a three-field state decoded ~1 µs faster per patch than the contract's, which the
 * benchmark counted against AniSync (docs/performance.md, "The host's path, cold").
 *
 *   node loadtest/bare-colyseus.ts --port 2599      # prints "listening <port>" when ready
 */
import { parseArgs } from "node:util";
import express from "express";
import { Room, Server, type Client } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { Encoder } from "@colyseus/schema";
import { Member, WatchPartyState } from "../schema/state.ts";

// a full state of 1,000 members is above the default 16 KB: a bigger buffer than a warning per join
Encoder.BUFFER_SIZE = 256 * 1024;

interface JoinOptions {
  host_user_id?: string;
  user_id?: string;
  username?: string;
  host_username?: string;
}

class BareWatchParty extends Room<{ state: WatchPartyState }> {
  override maxClients = 20_000;
  override state = new WatchPartyState();

  override messages = {
    control: (client: Client, msg: { action?: string; current_time?: number }) => {
      const member = this.state.members.get(client.auth as string);
      if (!member?.is_host) return;
      if (typeof msg.current_time !== "number" || !["play", "pause", "seek"].includes(msg.action ?? ""))
        return;
      const pb = this.state.playback;
      pb.position = msg.current_time;
      if (msg.action !== "seek") pb.is_playing = msg.action === "play";
      pb.updated_at = Date.now();
      pb.seq++;
      this.broadcastPatch();
    },
    status: () => {},
  };

  override onCreate(options: JoinOptions): void {
    this.patchRate = 50;
    this.state.host_user_id = options.host_user_id ?? "";
    this.state.playback.assign({ is_playing: false, position: 0, updated_at: Date.now(), rate: 1, seq: 0 });
  }

  static override async onAuth(_token: string, options: JoinOptions): Promise<string> {
    return options.host_user_id ?? options.user_id ?? "";
  }

  override onJoin(client: Client, options: JoinOptions): void {
    const id = client.auth as string;
    const m = new Member();
    m.user_id = id;
    m.username = options.username ?? options.host_username ?? id;
    m.is_host = id === this.state.host_user_id;
    m.connected = true;
    m.joined_at = Date.now();
    m.sync_status = "unknown";
    this.state.members.set(id, m);
    this.state.member_count = this.state.members.size;
  }

  override onLeave(client: Client): void {
    this.state.members.delete(client.auth as string);
    this.state.member_count = this.state.members.size;
  }
}

const { values: args } = parseArgs({ options: { port: { type: "string", default: "2599" } } });
const server = new Server({
  transport: new WebSocketTransport(),
  greet: false,
  express: (app) => void app.use(express.json()),
});
server.define("watch_party", BareWatchParty);
await server.listen(Number(args.port), "127.0.0.1");
console.log(`listening ${args.port}`);

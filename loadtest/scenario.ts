/**
 * The everyday watch party for @colyseus/loadtest: one host and N−1 members in one room. The
 * host plays, then seeks or pauses every 10 s; members report `status` every 3 s and post a
 * comment now and then. Interactive (a terminal dashboard):
 *
 *   npm start &   # or any AniSync endpoint
 *   npm run loadtest:scenario -- --room watch_party --numClients 60 --endpoint ws://127.0.0.1:2567
 *   npm run loadtest:scenario -- --roomId <room_id> --numClients 60   # members of an existing public room
 *
 * @colyseus/loadtest 0.17 bundles SDK 0.17; package.json overrides it to use @colyseus/sdk 0.18.
 */
import { cli, type Options } from "@colyseus/loadtest";
import { Client, type Room } from "@colyseus/sdk";

const run = Date.now().toString(36);
let created: Promise<string> | undefined;

async function main(options: Options): Promise<void> {
  const client = new Client(options.endpoint.replace(/^ws/, "http"));
  if (!options.roomId && options.clientId === 0) {
    let resolve!: (id: string) => void;
    created = new Promise((r) => (resolve = r));
    const host = await client.create("watch_party", {
      title: `loadtest ${run}`,
      anime_id: "loadtest",
      anime_title: "Load test",
      episode_number: 1,
      video_url: "https://videos.example/loadtest.webm",
      host_user_id: `host-${run}`,
      host_username: "Host",
    });
    resolve(host.roomId);
    host.onMessage("*", () => {});
    host.send("control", { action: "play", current_time: 0 });
    let t = 0;
    setInterval(() => {
      t += 10;
      const action = Math.random() < 0.3 ? "pause" : Math.random() < 0.5 ? "seek" : "play";
      host.send("control", { action, current_time: action === "seek" ? t + 30 : t });
    }, 10_000);
    return;
  }
  const roomId = options.roomId ?? (await created);
  if (!roomId) throw new Error("start with --roomId, or let client 0 create the room (--room watch_party)");
  const member: Room = await client.joinById(roomId, {
    user_id: `bot-${run}-${options.clientId}`,
    username: `Bot ${options.clientId}`,
  });
  member.onMessage("*", () => {});
  const position = () => {
    const pb = member.state.playback;
    if (!pb) return 0;
    return (
      pb.position +
      (pb.is_playing ? ((Date.now() - pb.updated_at) / 1000) * pb.rate : 0) +
      (Math.random() - 0.5) * 0.2
    );
  };
  setTimeout(
    () =>
      setInterval(() => {
        member.send("status", {
          current_time: Math.max(0, position()),
          is_playing: Boolean(member.state.playback?.is_playing),
        });
        if (Math.random() < 0.01)
          member.send("comment", {
            message: `bot ${options.clientId} was here`,
            video_timestamp: position(),
          });
      }, 3000),
    Math.random() * 3000,
  );
}

cli(main);

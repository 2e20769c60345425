/**
 * A lean member for load tests: takes a seat over HTTP, opens the room's WebSocket, answers
 * the join handshake, and timestamps incoming state patches without decoding them. It costs
 * the load generator almost nothing per member, so the server is what gets measured.
 */
import { performance } from "node:perf_hooks";

const JOIN_ROOM = 10;
const ROOM_STATE_PATCH = 15;

export interface LeanMember {
  /** called with performance.now() for every state patch frame received */
  onPatch: (at: number) => void;
  send(bytes: Uint8Array): void;
  close(): void;
}

export async function joinLean(
  baseUrl: string,
  roomId: string,
  options: Record<string, unknown>,
): Promise<LeanMember> {
  const res = await fetch(`${baseUrl}/matchmake/joinById/${roomId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  const seat = (await res.json()) as {
    sessionId: string;
    roomId: string;
    processId: string;
    publicAddress?: string;
    error?: string;
  };
  if (!res.ok) throw new Error(`join refused: ${JSON.stringify(seat)}`);
  const origin = seat.publicAddress ? `ws://${seat.publicAddress}` : baseUrl.replace(/^http/, "ws");
  const ws = new WebSocket(`${origin}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  ws.binaryType = "arraybuffer";
  const member: LeanMember = {
    onPatch: () => {},
    send: (bytes) => ws.send(bytes as Uint8Array<ArrayBuffer>),
    close: () => ws.close(),
  };
  await new Promise<void>((resolve, reject) => {
    ws.onerror = () => reject(new Error("websocket error"));
    ws.onmessage = (ev) => {
      const bytes = new Uint8Array(ev.data as ArrayBuffer);
      if (bytes[0] === JOIN_ROOM) {
        ws.send(new Uint8Array([JOIN_ROOM]));
        resolve();
      } else if (bytes[0] === ROOM_STATE_PATCH) {
        member.onPatch(performance.now());
      }
    };
  });
  return member;
}

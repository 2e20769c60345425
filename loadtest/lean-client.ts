/**
 * A lean member for load tests: takes a seat over HTTP, opens the room's WebSocket, answers
 * the join handshake, timestamps incoming state patches without decoding them, and can send
 * room messages (encoded as @colyseus/sdk does: ROOM_DATA, the type, a msgpack payload). It
 * costs the load generator almost nothing per member, so the server is what gets measured.
 */
import { performance } from "node:perf_hooks";
import { encode } from "@colyseus/schema";
import { pack } from "msgpackr";
import WebSocket from "ws";

const JOIN_ROOM = 10;
const ROOM_DATA = 13;
const ROOM_STATE_PATCH = 15;

export interface Seat {
  sessionId: string;
  roomId: string;
  processId: string;
  publicAddress?: string;
}

/** Everything the lean members of this process received: frames and bytes. */
export const received = { frames: 0, bytes: 0 };

export interface LeanMember {
  /** called with performance.now() and the frame for every state patch frame received */
  onPatch: (at: number, frame: Buffer) => void;
  send(bytes: Uint8Array): void;
  sendMessage(type: string, payload: unknown): void;
  close(): void;
}

/** The bytes of one room message, for sending the same one many times. */
export function encodeMessage(type: string, payload: unknown): Uint8Array {
  const header = new Uint8Array(1 + 5 + type.length * 3);
  header[0] = ROOM_DATA;
  const it = { offset: 1 };
  encode.string(header as unknown as Parameters<typeof encode.string>[0], type, it);
  const body = pack(payload);
  const out = new Uint8Array(it.offset + body.length);
  out.set(header.subarray(0, it.offset), 0);
  out.set(body, it.offset);
  return out;
}

export async function reserveSeat(
  baseUrl: string,
  roomId: string,
  options: Record<string, unknown>,
): Promise<Seat> {
  const res = await fetch(`${baseUrl}/matchmake/joinById/${roomId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  const seat = (await res.json()) as Seat & { error?: string };
  if (!res.ok) throw new Error(`join refused: ${JSON.stringify(seat)}`);
  return seat;
}

export async function joinLean(
  baseUrl: string,
  roomId: string,
  options: Record<string, unknown>,
): Promise<LeanMember> {
  return connectLean(baseUrl, await reserveSeat(baseUrl, roomId, options));
}

export async function connectLean(baseUrl: string, seat: Seat): Promise<LeanMember> {
  const origin = seat.publicAddress ? `ws://${seat.publicAddress}` : baseUrl.replace(/^http/, "ws");
  // the `ws` package: its per-message cost is lower than the built-in WebSocket's, which matters
  // when one process reads the same patch on a thousand sockets
  const ws = new WebSocket(`${origin}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`, {
    perMessageDeflate: false,
  });
  const member: LeanMember = {
    onPatch: () => {},
    send: (bytes) => ws.send(bytes),
    sendMessage: (type, payload) => ws.send(encodeMessage(type, payload)),
    close: () => ws.close(),
  };
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data: Buffer) => {
      received.frames++;
      received.bytes += data.length;
      if (data[0] === JOIN_ROOM) {
        ws.send(new Uint8Array([JOIN_ROOM]));
        resolve();
      } else if (data[0] === ROOM_STATE_PATCH) {
        member.onPatch(performance.now(), data);
      }
    });
  });
  return member;
}

/**
 * Hostile clients below the SDK: a seat reserved over HTTP (Colyseus's matchmaker route), then a
 * plain WebSocket to the room that does what the SDK never does (garbage frames, closing before
 * the join is acknowledged, bogus session ids).
 */

/** Colyseus wire codes (@colyseus/shared-types Protocol). */
export const WIRE = { JOIN_ROOM: 10, LEAVE_ROOM: 12, ROOM_DATA: 13, ROOM_DATA_BYTES: 17, ROOM_REQUEST: 21 };

export interface Reservation {
  roomId: string;
  processId: string;
  sessionId: string;
}

/** POST /matchmake/<method>/<target>; returns the seat or throws with the answer. */
export async function reserveSeat(
  baseUrl: string,
  method: "create" | "joinById",
  target: string,
  options: Record<string, unknown>,
): Promise<Reservation> {
  const res = await fetch(`${baseUrl}/matchmake/${method}/${target}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  const body = (await res.json()) as Record<string, any>;
  if (!res.ok || !body.sessionId) throw new Error(`no seat: ${res.status} ${JSON.stringify(body)}`);
  return {
    roomId: body.roomId ?? body.room?.roomId,
    processId: body.processId ?? body.room?.processId,
    sessionId: body.sessionId,
  };
}

/** Opens a socket on the reserved seat (or on any path) and resolves once it is open or closed. */
export function openRaw(baseUrl: string, seat: Reservation | string): Promise<WebSocket> {
  const path =
    typeof seat === "string" ? seat : `/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`;
  const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + path);
  ws.binaryType = "arraybuffer";
  return new Promise((resolve) => {
    ws.addEventListener("open", () => resolve(ws), { once: true });
    ws.addEventListener("close", () => resolve(ws), { once: true });
    ws.addEventListener("error", () => resolve(ws), { once: true });
  });
}

/** Resolves when the socket is closed (by either side), or after `timeoutMs`. */
export function closed(ws: WebSocket, timeoutMs = 3000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    ws.addEventListener(
      "close",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

export function send(ws: WebSocket, bytes: Uint8Array<ArrayBuffer> | string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
}

/**
 * The Syncplay client never sends its password: it sends the MD5 hex of it (1.6 and 1.7 alike).
 * A room's access key is 6 digits, so the gateway can still find it: a table of every key's MD5
 * prefix (10^6 entries, 8 MB, sorted), built once in slices the first time a hashed password
 * arrives, so it never holds the event loop for long. Anything longer than a key (an invite, a
 * token) cannot be recovered from its hash; docs/syncplay.md says where those go instead.
 */
import { createHash } from "node:crypto";

const KEYS = 1_000_000;
const SLICE = 20_000;

export function isMd5Hex(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

function md5(text: string): Buffer {
  return createHash("md5").update(text).digest();
}

const key = (k: number) => String(k).padStart(6, "0");

let table: Promise<BigUint64Array> | undefined;

/** (first 4 bytes of md5(key)) << 20 | key, sorted. */
function buildTable(): Promise<BigUint64Array> {
  table ??= (async () => {
    const entries = new BigUint64Array(KEYS);
    for (let start = 0; start < KEYS; start += SLICE) {
      for (let k = start; k < Math.min(KEYS, start + SLICE); k++) {
        entries[k] = (BigInt(md5(key(k)).readUInt32BE(0)) << 20n) | BigInt(k);
      }
      await new Promise((r) => setImmediate(r));
    }
    entries.sort();
    return entries;
  })();
  return table;
}

/** Resolves once the table is built (the gateway starts building it at start-up, in slices). */
export async function hashedKeysReady(): Promise<void> {
  await buildTable();
}

/** The 6-digit key whose MD5 hex this is, if any. */
export async function keyFromMd5(hex: string): Promise<string | undefined> {
  if (!isMd5Hex(hex)) return undefined;
  const entries = await buildTable();
  const prefix = BigInt(Buffer.from(hex, "hex").readUInt32BE(0));
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]! >> 20n < prefix) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < entries.length && entries[i]! >> 20n === prefix; i++) {
    const candidate = key(Number(entries[i]! & 0xfffffn));
    if (md5(candidate).toString("hex") === hex) return candidate;
  }
  return undefined;
}

/**
 * Ids this node makes for its transactions and messages: UUID version 7 (RFC 9562), the time in
 * milliseconds first, then a counter, then random bits. Beckn asks for a UUID (any version).
 *
 * Why not random (version 4) ids: every message is indexed by its message id and transaction id in
 * the ledger, the inbox, the outbox and the deals, and a random key lands on a random index page, so
 * each group commit wrote a page of every index per message to the WAL. Time-ordered keys land on
 * the last pages, which a group commit writes once for all its messages.
 *
 * Ids stay unguessable enough for their use (62 random bits per id and a random counter start; they are not secrets: the
 * messages are signed) and unique across nodes. Within one millisecond the 12-bit counter (started
 * at a random value) keeps a node's ids increasing; if it runs out the time part moves on a
 * millisecond, so ids never repeat or go backwards within a process, even if the clock does.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
const pool = Buffer.alloc(POOL_IDS * 10);
let poolAt = POOL_IDS;
let lastMs = -1;
let counter = 0;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A new UUIDv7 string, lower case, e.g. `019abc12-3456-7def-8123-456789abcdef`. */
export function newId(nowMs: number = Date.now()): string {
  if (poolAt === POOL_IDS) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt * 10;
  poolAt++;
  if (nowMs > lastMs) {
    lastMs = nowMs;
    // A random start below the half, so the counter has room to count within the millisecond.
    counter = ((pool[r]! << 4) | (pool[r + 1]! >> 4)) & 0x7ff;
  } else if (++counter > 0xfff) {
    lastMs++;
    counter = 0;
  }
  const ms = lastMs;
  const hi = Math.floor(ms / 0x1000000); // the top 24 of the 48 bits
  const lo = ms % 0x1000000;
  const b = [
    (hi >>> 16) & 0xff,
    (hi >>> 8) & 0xff,
    hi & 0xff,
    (lo >>> 16) & 0xff,
    (lo >>> 8) & 0xff,
    lo & 0xff,
    0x70 | (counter >>> 8),
    counter & 0xff,
    0x80 | (pool[r + 2]! & 0x3f),
    pool[r + 3]!,
    pool[r + 4]!,
    pool[r + 5]!,
    pool[r + 6]!,
    pool[r + 7]!,
    pool[r + 8]!,
    pool[r + 9]!,
  ].map((x) => HEX[x]!);
  return `${b[0]}${b[1]}${b[2]}${b[3]}-${b[4]}${b[5]}-${b[6]}${b[7]}-${b[8]}${b[9]}-${b[10]}${b[11]}${b[12]}${b[13]}${b[14]}${b[15]}`;
}

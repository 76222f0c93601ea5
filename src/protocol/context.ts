/**
 * The Beckn core 1.1.1 `context`.
 *
 * Wire shape (JSON):
 * ```
 * { "domain": "weft:manufacturing", "location": { "country": { "code": "CHN" }, "city": { "code": "std:0769" } },
 *   "action": "search", "version": "1.1.1",
 *   "bap_id": "12D3KooW…", "bap_uri": "http://127.0.0.1:7001/beckn",
 *   "bpp_id": "12D3KooW…", "bpp_uri": "http://127.0.0.1:7002/beckn",
 *   "transaction_id": "<uuid>", "message_id": "<uuid>", "timestamp": "2026-11-26T08:00:00.000Z", "ttl": "PT30S" }
 * ```
 */
import { type Static, Type } from '@sinclair/typebox';

const Str = (max = 512) => Type.String({ maxLength: max });

export const LocationCodeSchema = Type.Object({
  code: Type.Optional(Str(64)),
  name: Type.Optional(Str(256)),
});

export const ContextSchema = Type.Object(
  {
    domain: Type.Optional(Str(128)),
    location: Type.Optional(
      Type.Object({
        country: Type.Optional(LocationCodeSchema),
        city: Type.Optional(LocationCodeSchema),
      }),
    ),
    action: Str(32),
    version: Type.Optional(Str(16)),
    bap_id: Type.Optional(Str(256)),
    bap_uri: Type.Optional(Str(1024)),
    bpp_id: Type.Optional(Str(256)),
    bpp_uri: Type.Optional(Str(1024)),
    transaction_id: Str(128),
    message_id: Str(128),
    timestamp: Type.String({ format: 'date-time', maxLength: 64 }),
    key: Type.Optional(Str(1024)),
    ttl: Type.Optional(Str(64)),
  },
  { additionalProperties: true },
);

export type Context = Static<typeof ContextSchema>;

export const BECKN_VERSION = '1.1.1';

/**
 * Parses an ISO 8601 duration (`PT30S`, `P1D`, `PT1H30M`) to milliseconds; undefined if it is not one.
 * Years and months are taken as 365 and 30 days.
 */
export function durationMs(iso: string): number | undefined {
  const m =
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      iso,
    );
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  const [, y, mo, w, d, h, mi, s] = m;
  const days = Number(y ?? 0) * 365 + Number(mo ?? 0) * 30 + Number(w ?? 0) * 7 + Number(d ?? 0);
  return ((days * 24 + Number(h ?? 0)) * 60 + Number(mi ?? 0)) * 60_000 + Number(s ?? 0) * 1000;
}

export function formatDurationSeconds(seconds: number): string {
  return `PT${Math.max(0, Math.round(seconds))}S`;
}

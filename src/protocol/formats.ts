/**
 * The string formats the Beckn core 1.1.1 schemas use, registered with TypeBox's FormatRegistry.
 *
 * TypeBox rejects a string whose format is not registered, so every module that compiles a schema
 * with a `format` imports this one first. Each check accepts a subset of what Ajv's `ajv-formats`
 * (full mode) accepts, so anything our validators pass also passes the Beckn OpenAPI file as Ajv reads it:
 * - `date-time`: RFC 3339 with a time zone (`2026-11-26T08:00:00.000Z`); seconds 00–59.
 * - `date`: RFC 3339 full-date (`2026-11-26`).
 * - `uuid`: RFC 4122 text form, any version, either case, without a `urn:uuid:` prefix.
 * - `uri`: an absolute RFC 3986 URI in ASCII (`https://…`, `urn:…`); no IPv6 literals.
 * - `email`: the HTML / ajv-formats address form, at most 254 characters.
 */
import { FormatRegistry } from '@sinclair/typebox';

const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL_RE =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

// RFC 3986 §3: scheme ":" hier-part [ "?" query ] [ "#" fragment ], ASCII only.
const PCT = '%[0-9a-f]{2}';
const PCHAR = `(?:[a-z0-9\\-._~!$&'()*+,;=:@]|${PCT})`;
const USERINFO = `(?:(?:[a-z0-9\\-._~!$&'()*+,;=:]|${PCT})*@)?`;
const REG_NAME = `(?:[a-z0-9\\-._~!$&'()*+,;=]|${PCT})*`;
const QUERY_OR_FRAGMENT = `(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|${PCT})*`;
const HIER_PART =
  `(?:\\/\\/${USERINFO}${REG_NAME}(?::\\d*)?(?:\\/${PCHAR}*)*` + // "//" authority path-abempty
  `|\\/(?:${PCHAR}+(?:\\/${PCHAR}*)*)?` + // path-absolute
  `|${PCHAR}+(?:\\/${PCHAR}*)*)`; // path-rootless
const URI_RE = new RegExp(
  `^[a-z][a-z0-9+\\-.]*:${HIER_PART}(?:\\?${QUERY_OR_FRAGMENT})?(?:#${QUERY_OR_FRAGMENT})?$`,
  'i',
);

/** Longest URI the `uri` format accepts; schemas set their own, usually lower, maxLength. */
export const MAX_URI_LENGTH = 8192;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function validDate(y: string, m: string, d: string): boolean {
  const month = Number(m);
  const day = Number(d);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(Number(y), month);
}

export function isDateTime(s: string): boolean {
  const m = DATE_TIME_RE.exec(s);
  if (!m) return false;
  const [, y, mo, d, h, mi, sec, tzh, tzm] = m as unknown as string[];
  return (
    validDate(y!, mo!, d!) &&
    Number(h) <= 23 &&
    Number(mi) <= 59 &&
    Number(sec) <= 59 &&
    (tzh === undefined || (Number(tzh) <= 23 && Number(tzm) <= 59))
  );
}

export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  return m !== null && validDate(m[1]!, m[2]!, m[3]!);
}

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

export function isUri(s: string): boolean {
  return s.length <= MAX_URI_LENGTH && URI_RE.test(s);
}

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL_RE.test(s);
}

/** The formats this module defines, by JSON Schema name. */
export const BECKN_FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  'date-time': isDateTime,
  date: isDate,
  uuid: isUuid,
  uri: isUri,
  email: isEmail,
};

/**
 * Registers the formats with TypeBox. Idempotent: it always installs the same functions, so the
 * meaning of a format in a Weft schema does not depend on which module loaded first.
 */
export function registerBecknFormats(): void {
  for (const [name, check] of Object.entries(BECKN_FORMATS)) {
    if (FormatRegistry.Get(name) !== check) FormatRegistry.Set(name, check);
  }
}

registerBecknFormats();

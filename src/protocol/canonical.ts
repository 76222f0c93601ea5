/**
 * The one canonical encoding: JSON with object keys sorted by UTF-16 code units, no white space,
 * numbers and strings as ECMAScript's JSON.stringify writes them (the JSON Canonicalization Scheme,
 * RFC 8785, for the values Weft produces). Signatures and ledger hashes cover only its output.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return jsonString(value);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number');
    if (value === undefined) throw new TypeError('undefined has no canonical encoding');
    return JSON.stringify(value);
  }
  // Written with loops and string appends rather than filter/sort/map/join: the same text, about
  // twice as fast, and it encodes every message a node signs and every receipt it checks.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole in a sparse array is written as nothing, as `Array.prototype.map` + `join` did.
      if (!(i in value)) continue;
      const v: unknown = value[i];
      out += v === undefined ? 'null' : canonicalJson(v);
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (first) first = false;
    else out += ',';
    out += `${jsonString(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

// What JSON.stringify escapes in a string: the quote, the backslash, control characters, and lone
// surrogates (any surrogate is sent to JSON.stringify, which decides).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `JSON.stringify(s)` for a string, quicker for the usual string that needs no escape (ids, base64,
 * URIs, words): ~90 instead of ~150 ns, and a signed message holds dozens of them.
 */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/**
 * Sorts keys by UTF-16 code units, as `Array.prototype.sort()` without a comparator does (`<` on
 * strings compares code units too); small arrays, the usual case, by insertion, which is faster there.
 */
function sortKeys(keys: string[]): void {
  const n = keys.length;
  if (n > 16) {
    keys.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

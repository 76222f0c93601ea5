/**
 * Duplicate member names in a JSON object. JSON.parse keeps the last of `{"a":1,"a":2}`; another
 * implementation may keep the first. A Beckn signature covers the raw bytes, so a body with a
 * duplicated name can mean one thing to us and another to the peer or an auditor reading the same
 * signed bytes: such bodies are refused (RFC 8259 §4: names SHOULD be unique; RFC 7493 I-JSON: MUST).
 *
 * The check is cheap on the hot path: the members in the text (each has exactly one `:` outside
 * strings) against the members JSON.parse kept. Only when they differ is the text walked again to
 * name the first duplicate.
 */

/**
 * Members (`name: value` pairs) in valid JSON text: the colons outside string literals. A string is
 * skipped with `indexOf` to its closing quote, stepping over the escaped character after each
 * backslash in it: ~0.5 instead of ~1.7 µs for a 620-byte body read character by character, and
 * most of a body is strings.
 */
export function memberCount(text: string): number {
  let n = 0;
  let backslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) {
      n++;
    } else if (c === 0x22) {
      // i is an opening quote: move it to the closing one.
      for (;;) {
        const quote = text.indexOf('"', i + 1);
        if (quote < 0) return n;
        if (backslash < i + 1 && backslash >= 0) {
          backslash = text.indexOf('\\', i + 1);
          continue;
        }
        if (backslash < 0 || backslash > quote) {
          i = quote;
          break;
        }
        // A backslash before that quote escapes the character after it, which cannot end the string.
        i = backslash + 1;
        backslash = text.indexOf('\\', i + 1);
      }
    }
  }
  return n;
}

/** Members of every object in a parsed JSON value (no recursion: hostile nesting cannot overflow the stack). */
export function parsedMemberCount(value: unknown): number {
  let n = 0;
  const todo: unknown[] = [value];
  while (todo.length > 0) {
    const v = todo.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') todo.push(x);
      continue;
    }
    for (const k in v) {
      n++;
      const x = (v as Record<string, unknown>)[k];
      if (x !== null && typeof x === 'object') todo.push(x);
    }
  }
  return n;
}

interface Frame {
  /** The object's names so far; undefined for an array. */
  names: Set<string> | undefined;
  path: string;
  /** Index of the next array element. */
  index: number;
}

/**
 * The first duplicated name in valid JSON text and the path of its object (`message.order`), or
 * undefined when every object's names are unique. Walks with its own stack, not recursion.
 */
export function firstDuplicateKey(text: string): { path: string; key: string } | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const stack: Frame[] = [];
  /** The path of the value about to be read. */
  let path = '';
  for (;;) {
    // A value starts here.
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      const frame: Frame = { names: c === '{' ? new Set() : undefined, path, index: 0 };
      stack.push(frame);
      ws();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
        stack.pop();
      } else if (frame.names) {
        const key = str();
        frame.names.add(key);
        ws();
        i++; // ':'
        path = frame.path === '' ? key : `${frame.path}.${key}`;
        continue;
      } else {
        path = `${frame.path}[0]`;
        continue;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++; // number, true, false, null
    }
    // A value ended: close containers that end here, and go to the next member or element.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) return undefined;
      ws();
      if (text[i++] !== ',') {
        stack.pop(); // '}' or ']'
        continue;
      }
      if (frame.names) {
        ws();
        const key = str();
        if (frame.names.has(key)) return { path: frame.path, key };
        frame.names.add(key);
        ws();
        i++; // ':'
        path = frame.path === '' ? key : `${frame.path}.${key}`;
      } else {
        frame.index++;
        path = `${frame.path}[${frame.index}]`;
      }
      break;
    }
  }
}

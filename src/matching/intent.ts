/**
 * A need spec on the wire: how a buyer's parsed need travels inside a Beckn `search` Intent, and how a
 * supplier reads it back.
 *
 * The spec rides in one tag group (`weft-need-spec`), one tag per field whose value is the field's JSON
 * (value, confidence, source), so a Weft supplier gets exactly what the buyer saw and approved. The
 * standard Intent fields are filled too (item name = the text, category, quantity, delivery city), so a
 * Beckn provider that knows nothing of Weft still understands the need. A supplier reads the tags back
 * through the same schema the parser's output obeys; a field that does not validate is dropped with a
 * warning, never trusted.
 *
 * Wire shape:
 *   { "descriptor": { "name": "需要5000件…" }, "category": { "id": "cnc-machining" },
 *     "item": { "descriptor": { "name": "需要5000件…" }, "quantity": { "selected": { "count": 5000 } } },
 *     "fulfillment": { "stops": [{ "type": "end", "location": { "city": { "name": "东莞" } } }] },
 *     "tags": [{ "descriptor": { "code": "weft-need-spec" },
 *                "list": [{ "descriptor": { "code": "language" }, "value": "zh-Hans" },
 *                         { "descriptor": { "code": "quantity" }, "value": "{\"value\":{…},\"confidence\":0.95}" }, …] }] }
 */
import { Value } from '@sinclair/typebox/value';
// The spec's `date` format must be known to TypeBox before any check.
import '../protocol/formats.js';
import {
  NEED_FIELD_NAMES,
  type NeedFieldName,
  type NeedFields,
  NeedFieldsSchema,
  type NeedSpec,
} from './spec.js';

type Obj = Record<string, unknown>;

export const NEED_SPEC_TAG = 'weft-need-spec';
/** Largest JSON of one field in a tag (the Beckn tag value limit is 4096). */
const MAX_FIELD_JSON = 4000;

const FIELD_NAMES = NEED_FIELD_NAMES;
const LANGUAGES = new Set<NeedSpec['language']>(['zh-Hans', 'zh-Hant', 'en', 'mixed']);

/** The Beckn Intent of a need: its spec in the `weft-need-spec` tags plus the standard fields. */
export function intentFromSpec(spec: NeedSpec): Obj {
  const f = spec.fields;
  const list: Obj[] = [{ descriptor: { code: 'language' }, value: spec.language }];
  for (const name of FIELD_NAMES) {
    const field = f[name];
    if (field === undefined) continue;
    const json = JSON.stringify(field);
    if (json.length > MAX_FIELD_JSON) continue;
    list.push({ descriptor: { code: name }, value: json });
  }
  const text = spec.text.slice(0, 500);
  const intent: Obj = {
    descriptor: { name: text },
    item: {
      descriptor: { name: text },
      ...(f.quantity ? { quantity: { selected: { count: Math.round(f.quantity.value.value) } } } : {}),
    },
    tags: [{ descriptor: { code: NEED_SPEC_TAG }, list }],
  };
  const category = f.categories?.value[0] ?? f.process?.value;
  if (category) intent.category = { id: category };
  if (f.deliveryPlace) {
    intent.fulfillment = {
      stops: [
        {
          type: 'end',
          location: {
            city: { name: f.deliveryPlace.value.name },
            ...(f.deliveryPlace.value.region ? { state: { code: f.deliveryPlace.value.region } } : {}),
          },
          ...(f.deadline ? { time: { range: { end: `${f.deadline.value.date}T23:59:59Z` } } } : {}),
        },
      ],
    };
  }
  return intent;
}

/**
 * Reads the need spec a Weft buyer put in an Intent. Returns undefined when the Intent carries none
 * (a foreign Beckn buyer): the caller then parses the text itself. Fields that do not validate are
 * left out and named in `warnings`.
 */
export function specFromIntent(intent: Obj): NeedSpec | undefined {
  const tags = Array.isArray(intent.tags) ? (intent.tags as Obj[]) : [];
  const group = tags.find((t) => (t.descriptor as Obj | undefined)?.code === NEED_SPEC_TAG);
  if (!group || !Array.isArray(group.list)) return undefined;
  const fields: Record<string, unknown> = {};
  const warnings: string[] = [];
  let language: NeedSpec['language'] = 'mixed';
  for (const tag of group.list as Obj[]) {
    const code = (tag.descriptor as Obj | undefined)?.code;
    const value = tag.value;
    if (typeof code !== 'string' || typeof value !== 'string') continue;
    if (code === 'language') {
      if (LANGUAGES.has(value as NeedSpec['language'])) language = value as NeedSpec['language'];
      continue;
    }
    if (!(FIELD_NAMES as readonly string[]).includes(code)) {
      warnings.push(`unknown need field "${code.slice(0, 40)}" ignored`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      warnings.push(`need field "${code}" is not JSON; ignored`);
      continue;
    }
    const schema = NeedFieldsSchema.properties[code as NeedFieldName];
    if (!Value.Check(schema, parsed)) {
      warnings.push(`need field "${code}" does not match its schema; ignored`);
      continue;
    }
    fields[code] = parsed;
  }
  const text = textOfIntent(intent);
  return { text, language, fields: fields as NeedFields, parser: 'buyer', warnings };
}

/** The need's free text from an Intent (item name, else the intent's descriptor). */
export function textOfIntent(intent: Obj): string {
  const item = (intent.item ?? {}) as Obj;
  const names = [((item.descriptor ?? {}) as Obj).name, ((intent.descriptor ?? {}) as Obj).name].filter(
    (x): x is string => typeof x === 'string' && x.length > 0,
  );
  return [...new Set(names)].join(' ').slice(0, 4000);
}

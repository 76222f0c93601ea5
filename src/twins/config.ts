/**
 * Reads the twins config (`twins.yaml`, see config-schema.ts for its shape): YAML parsed with line
 * positions, validated against `TwinsConfigSchema` (defaults applied), then checked for what a schema
 * cannot say (unknown assets, duplicates, broker URL, TLS files). Every problem is reported at once,
 * each naming file, line, column and path:
 *
 *   twins.yaml:14:7 mappings[3].asset: unknown asset "cnc-9"
 *
 * @example
 * const config = await loadTwinsConfig(join(dataDir, 'twins.yaml'));
 * // throws WeftError('CONFIG', …) with details.problems: ConfigProblem[]
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type TSchema, Type } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  stringify,
} from 'yaml';
import { WeftError } from '../util/errors.js';
import {
  MqttMappingSchema,
  OpcuaMappingSchema,
  SparkplugMappingSchema,
  type TwinsConfig,
  TwinsConfigSchema,
} from './config-schema.js';

/** The config file's size limit: 1,000 assets × 20 mapped properties take ~3 MB of YAML. */
export const MAX_TWINS_CONFIG_BYTES = 16 * 1024 * 1024;

/** Broker URL schemes the MQTT source can connect to. */
export const BROKER_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'] as const;

/** One thing wrong with a config file. */
export interface ConfigProblem {
  file: string;
  /** 1-based line and column of the offending key or value (of its nearest existing parent when missing). */
  line: number;
  column: number;
  /** Where in the document, e.g. `mappings[3].asset`. */
  path: string;
  message: string;
}

type Segment = string | number;

/** A problem found, before it is located in the file; `schema` ones repeat per path (TypeBox). */
interface Found {
  path: Segment[];
  message: string;
  schema?: boolean;
}

/** The schema with `mappings` left open: each mapping is validated against its own kind (better errors than a union's). */
const TopLevelSchema = Type.Object(
  {
    sources: TwinsConfigSchema.properties.sources,
    assets: TwinsConfigSchema.properties.assets,
    mappings: Type.Array(Type.Unknown(), { default: [], maxItems: 200_000 }),
  },
  { additionalProperties: false },
);

const MAPPING_KINDS = [
  ['topic', MqttMappingSchema],
  ['sparkplug', SparkplugMappingSchema],
  ['opcua', OpcuaMappingSchema],
] as const;

/** Reads and validates a twins config file (at most `MAX_TWINS_CONFIG_BYTES`). */
export async function loadTwinsConfig(path: string): Promise<TwinsConfig> {
  const name = basename(path);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new WeftError('CONFIG', `${name}: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (size > MAX_TWINS_CONFIG_BYTES) {
    throw new WeftError('CONFIG', `${name}: ${size} bytes is over the ${MAX_TWINS_CONFIG_BYTES}-byte limit`, {
      details: { file: name, size, limit: MAX_TWINS_CONFIG_BYTES },
    });
  }
  return parseTwinsConfig(await readFile(path, 'utf8'), name);
}

/**
 * Parses and validates twins config text. Throws `WeftError('CONFIG')` listing every problem, one per
 * line, with `details.problems`.
 */
export function parseTwinsConfig(text: string, fileName = 'twins.yaml'): TwinsConfig {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TWINS_CONFIG_BYTES) {
    throw new WeftError(
      'CONFIG',
      `${fileName}: ${bytes} bytes is over the ${MAX_TWINS_CONFIG_BYTES}-byte limit`,
      {
        details: { file: fileName, size: bytes, limit: MAX_TWINS_CONFIG_BYTES },
      },
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (const e of doc.errors) {
    problems.push({ file: fileName, ...at(e.pos[0]), path: '(yaml)', message: e.message });
  }
  if (problems.length > 0) fail(fileName, problems);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    fail(fileName, [{ file: fileName, line: 1, column: 1, path: '(yaml)', message: (e as Error).message }]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(fileName, [
      {
        file: fileName,
        line: 1,
        column: 1,
        path: '(root)',
        message: 'expected a mapping with sources, assets and mappings',
      },
    ]);
  }
  const found: Found[] = [];
  const config = checkShape(value as Record<string, unknown>, found);
  found.push(...semanticProblems(config));
  if (found.length === 0) return config as TwinsConfig;

  const seen = new Set<string>();
  for (const f of found) {
    const path = formatPath(f.path);
    // TypeBox reports several errors for one bad value (required + wrong type); the first says it.
    const key = f.schema ? path : `${path}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ file: fileName, ...at(locate(doc, f.path)), path, message: f.message });
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  fail(fileName, problems);
}

/** Problems of a config built in code (e.g. by the simulator), paths only; empty when it is valid. */
export function twinsConfigProblems(config: unknown): string[] {
  const found: Found[] = [];
  if (typeof config !== 'object' || config === null) return ['(root): expected an object'];
  const copy = structuredClone(config) as Record<string, unknown>;
  const checked = checkShape(copy, found);
  found.push(...semanticProblems(checked));
  return found.map((f) => `${formatPath(f.path)}: ${f.message}`);
}

/** Writes a config as YAML (e.g. the simulator's factory), with an optional comment on top. */
export function stringifyTwinsConfig(config: TwinsConfig, comment?: string): string {
  const body = stringify(config, { lineWidth: 0 });
  if (!comment) return body;
  const head = comment
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${head}\n${body}`;
}

function fail(fileName: string, problems: ConfigProblem[]): never {
  const lines = problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}: ${p.message}`);
  const head = problems.length === 1 ? '' : `${fileName}: ${problems.length} problems\n`;
  throw new WeftError('CONFIG', `${head}${lines.join('\n')}`, { details: { file: fileName, problems } });
}

/** Applies defaults and validates against the schema; returns the value with defaults. */
function checkShape(value: Record<string, unknown>, found: Found[]): unknown {
  const config = Value.Default(TopLevelSchema, value) as Record<string, unknown>;
  schemaErrors(TopLevelSchema, config, [], found);
  const mappings = config['mappings'];
  if (!Array.isArray(mappings)) return config;
  mappings.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      found.push({ path: ['mappings', i], message: 'expected a mapping object' });
      return;
    }
    const kinds = MAPPING_KINDS.filter(([k]) => k in m);
    if (kinds.length !== 1) {
      found.push({
        path: ['mappings', i],
        message:
          kinds.length === 0
            ? 'a mapping needs one of topic, sparkplug or opcua'
            : `a mapping has one of topic, sparkplug or opcua, not ${kinds.map(([k]) => k).join(' and ')}`,
      });
      return;
    }
    const schema = kinds[0]![1];
    mappings[i] = Value.Default(schema, m);
    schemaErrors(schema, mappings[i], ['mappings', i], found);
  });
  return config;
}

function schemaErrors(schema: TSchema, value: unknown, prefix: Segment[], found: Found[]): void {
  for (const e of Value.Errors(schema, value)) {
    const rel = e.path
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    // Inside `mappings` the top-level pass sees unknowns; each mapping is checked on its own.
    if (prefix.length === 0 && rel[0] === 'mappings' && rel.length > 1) continue;
    found.push({ path: [...prefix, ...rel], message: describe(e.type, e.message, e.schema), schema: true });
  }
}

function describe(type: ValueErrorType, message: string, schema: TSchema): string {
  if (type === ValueErrorType.Union && Array.isArray(schema['anyOf'])) {
    const consts = (schema['anyOf'] as TSchema[]).map((s) => s['const']);
    if (consts.every((c) => c !== undefined)) return `expected one of ${consts.join(', ')}`;
  }
  if (type === ValueErrorType.ObjectAdditionalProperties) return 'unknown key';
  if (type === ValueErrorType.ObjectRequiredProperty) return 'required';
  return message.charAt(0).toLowerCase() + message.slice(1);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** What the schema cannot say. Tolerates a config that failed the schema (checks what is well-formed). */
function semanticProblems(value: unknown): Found[] {
  const out: Found[] = [];
  const config = obj(value) ?? {};
  const mqtt = obj(obj(config['sources'])?.['mqtt']);
  if (mqtt) out.push(...brokerProblems(mqtt));

  const assets = Array.isArray(config['assets']) ? (config['assets'] as unknown[]) : [];
  const firstIndex = new Map<string, number>();
  assets.forEach((a, i) => {
    const id = str(obj(a)?.['id']);
    if (id === undefined) return;
    const first = firstIndex.get(id);
    if (first !== undefined)
      out.push({
        path: ['assets', i, 'id'],
        message: `duplicate asset id "${id}" (first at assets[${first}])`,
      });
    else firstIndex.set(id, i);
  });
  assets.forEach((a, i) => {
    const partOf = str(obj(a)?.['partOf']);
    if (partOf === undefined) return;
    if (!firstIndex.has(partOf))
      out.push({ path: ['assets', i, 'partOf'], message: `unknown asset "${partOf}"` });
    else if (partOf === str(obj(a)?.['id']))
      out.push({ path: ['assets', i, 'partOf'], message: 'an asset cannot be part of itself' });
  });

  const mappings = Array.isArray(config['mappings']) ? (config['mappings'] as unknown[]) : [];
  const sources = new Map<string, number>();
  mappings.forEach((raw, i) => {
    const m = obj(raw);
    if (!m) return;
    const asset = str(m['asset']);
    if (asset !== undefined && !firstIndex.has(asset)) {
      out.push({ path: ['mappings', i, 'asset'], message: `unknown asset "${asset}"` });
    }
    const min = m['min'];
    const max = m['max'];
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
      out.push({ path: ['mappings', i, 'min'], message: `min ${min} is above max ${max}` });
    }
    if (m['scale'] === 0)
      out.push({ path: ['mappings', i, 'scale'], message: 'a scale of 0 would make every value the offset' });
    for (const key of ['path', 'tsPath'] as const) {
      const p = str(m[key]);
      if (p?.split('.').some((s) => s === '')) {
        out.push({ path: ['mappings', i, key], message: `"${p}" has an empty segment` });
      }
    }
    let source: string | undefined;
    const topic = str(m['topic']);
    const sp = obj(m['sparkplug']);
    const ua = obj(m['opcua']);
    if (topic !== undefined) {
      const bad = topicProblem(topic, false);
      if (bad) out.push({ path: ['mappings', i, 'topic'], message: bad });
      source = `topic "${topic}"`;
    } else if (sp) {
      source = `Sparkplug metric ${[sp['group'], sp['edge'], sp['device'] ?? '', sp['metric']].join('/')}`;
      if (mqtt && mqtt['sparkplug'] === false) {
        out.push({
          path: ['mappings', i, 'sparkplug'],
          message: 'sources.mqtt.sparkplug is false, so this mapping gets nothing',
        });
      }
      for (const k of ['group', 'edge', 'device'] as const) {
        const v = str(sp[k]);
        if (v !== undefined && /[/+#]/.test(v)) {
          out.push({ path: ['mappings', i, 'sparkplug', k], message: `"${v}" must not contain /, + or #` });
        }
      }
    } else if (ua) {
      source = `OPC UA node ${str(ua['endpoint'])} ${str(ua['nodeId'])}`;
    }
    const property = str(m['property']);
    if (source === undefined || asset === undefined || property === undefined) return;
    const key = `${asset}\0${property}\0${source}`;
    const first = sources.get(key);
    if (first !== undefined) {
      out.push({
        path: ['mappings', i],
        message: `a second mapping for ${asset}.${property} from ${source} (first at mappings[${first}])`,
      });
    } else sources.set(key, i);
  });
  return out;
}

function brokerProblems(mqtt: Record<string, unknown>): Found[] {
  const out: Found[] = [];
  const at = (k: string): Segment[] => ['sources', 'mqtt', k];
  const broker = str(mqtt['broker']);
  let tls = false;
  if (broker !== undefined && broker !== 'builtin') {
    let url: URL | undefined;
    try {
      url = new URL(broker);
    } catch {
      out.push({ path: at('broker'), message: `"${broker}" is neither builtin nor a URL` });
    }
    if (url) {
      if (!(BROKER_PROTOCOLS as readonly string[]).includes(url.protocol)) {
        out.push({
          path: at('broker'),
          message: `"${url.protocol}" is not a broker protocol (use ${BROKER_PROTOCOLS.map((p) => `${p}//`).join(', ')} or builtin)`,
        });
      }
      if (url.username || url.password) {
        out.push({ path: at('broker'), message: 'put credentials in username and password, not in the URL' });
      }
      tls = url.protocol === 'mqtts:' || url.protocol === 'wss:';
    }
  }
  for (const k of ['ca', 'cert', 'key'] as const) {
    if (mqtt[k] === undefined) continue;
    if (broker === 'builtin')
      out.push({ path: at(k), message: 'the built-in broker runs without TLS (on loopback)' });
    else if (broker !== undefined && !tls)
      out.push({ path: at(k), message: 'TLS files need an mqtts:// or wss:// broker' });
  }
  if ((mqtt['cert'] === undefined) !== (mqtt['key'] === undefined)) {
    out.push({ path: at(mqtt['cert'] === undefined ? 'key' : 'cert'), message: 'cert and key go together' });
  }
  if (mqtt['password'] !== undefined && mqtt['username'] === undefined) {
    out.push({ path: at('password'), message: 'a password needs a username' });
  }
  const topics = mqtt['topics'];
  if (Array.isArray(topics)) {
    topics.forEach((t, i) => {
      if (typeof t !== 'string') return;
      let bad = topicProblem(t, true);
      if (!bad && mqtt['sparkplug'] !== false && filterMatches(t, 'spBv1.0/group/NDATA/edge')) {
        // Brokers may deliver a message once per matching subscription: a Sparkplug message seen twice reads as a sequence gap.
        bad = `"${t}" overlaps the Sparkplug namespace (subscribed already); narrow it, e.g. plant/#`;
      }
      if (bad) out.push({ path: ['sources', 'mqtt', 'topics', i], message: bad });
    });
  }
  return out;
}

/** Why an MQTT topic (or, with `filter`, a subscription filter) is not allowed, if it is not. */
function topicProblem(topic: string, filter: boolean): string | undefined {
  if (topic.includes('\u0000')) return 'a topic cannot contain NUL';
  if (topic.startsWith('$')) return 'topics starting with $ are reserved for the broker';
  if (topic === 'spBv1.0' || topic.startsWith('spBv1.0/')) {
    return filter
      ? 'the Sparkplug B namespace is subscribed with sparkplug: true'
      : 'Sparkplug B metrics are mapped with sparkplug:';
  }
  const levels = topic.split('/');
  if (!filter) {
    if (/[+#]/.test(topic)) return 'a mapped topic has no wildcards (one topic, one property)';
    return undefined;
  }
  for (const [i, l] of levels.entries()) {
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return '# must be a whole last level';
    if (l.includes('+') && l !== '+') return '+ must be a whole level';
  }
  return undefined;
}

/** Whether an MQTT subscription filter matches a topic (`+` one level, `#` the rest). */
function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

function formatPath(path: Segment[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** The offset of the key (or item) at `path`, or of its nearest existing parent. */
function locate(doc: Document, path: Segment[]): number {
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return offset;
      const key = pair.key as Node;
      offset = key.range?.[0] ?? offset;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

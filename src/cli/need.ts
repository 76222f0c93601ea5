/**
 * `weft need`: a need in free text → the typed spec (`parse`, no node needed), sent through the
 * running node (`send`), and its ranked offers (`offers`); and the `--matching.*` flags of
 * `weft start` and `weft need parse` mapped onto the node's matching options.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WeftClient } from '../api/index.js';
import {
  createNeedParser,
  defaultCapabilitiesOptions,
  defaultDecideOptions,
  defaultLlmNeedParserOptions,
  defaultNodeMatchingOptions,
  defaultPricingOptions,
  type NeedOffersView,
  type NeedSpec,
  type NodeMatchingOptions,
} from '../matching/index.js';
import { API_URL_FILE, loadDataDir } from '../node/data-dir.js';
import { WeftError } from '../util/errors.js';
import { silentLogger } from '../util/logger.js';
import { bool, int, type ParsedArgs, str, UsageError } from './args.js';

export const NEED_HELP = `Usage:
  weft need parse "<text>" [--json]        what a node understands of a need (no running node needed)
  weft need send "<text>" [--region R|all] [--wait-ms N] [--json]
                                           parse and send it through the running node of --data
  weft need offers TRANSACTION_ID [--json] the offers a need received, ranked best first

A need is written as to a sales rep, in Simplified or Traditional Chinese or English:
  weft need parse "需要5000件304不锈钢CNC加工零件,公差±0.01mm,需ISO9001,30天内交货到东莞" --json
parse prints each field (process, material, quantity, tolerance, certifications, deadline, delivery
place, budget) with its confidence and the words it came from; --json prints the spec exactly as the
owner API's POST /api/needs/parse answers it. send broadcasts it in the node's region (peer to peer)
or, without the network, sends it to every trusted partner; --wait-ms N then waits N ms for offers.

The parser is built in (no model). A large model behind an OpenAI-compatible endpoint reads needs
better; nothing breaks when it is slow, down or wrong (the built-in parser takes over):
  --matching.parser.llm.baseUrl URL     e.g. http://127.0.0.1:11434/v1 (Ollama)
  --matching.parser.llm.model NAME      e.g. qwen2.5:7b-instruct
  --matching.parser.llm.timeoutMs N     [${defaultLlmNeedParserOptions.timeoutMs}]
  its API key, if it needs one, from the environment: WEFT_LLM_API_KEY`;

/** The `--matching.*` flags of `weft start`, for its help. */
export const MATCHING_START_HELP = `AI matching (needs → fit → quotes; offers ranked):
  --matching.autoRespond true|false   answer a fitting need at once with the drafted quote; false: it
                                      waits in Incoming for the owner [true]
  --matching.parser.llm.baseUrl URL   an OpenAI-compatible endpoint for reading needs (none: built-in)
  --matching.parser.llm.model NAME    its model; the API key from $WEFT_LLM_API_KEY
  --matching.capabilities.margin N    margin on cost, 0.15 = 15% [${defaultCapabilitiesOptions.margin}]
  --matching.capabilities.minOrderQty N, .maxOrderQty N, .setupCost N, .currency CNY,
  --matching.capabilities.deliveryRegions CN,HK   (default: its own country)
  --matching.decide.minScore N        below this fit no quote is sent [${defaultDecideOptions.minScore}]
  --matching.decide.minConfidence N   fields parsed less surely are soft [${defaultDecideOptions.minConfidence}]
  --matching.pricing.learn true|false price quotes where margin × P(win) peaks, learned from this
                                      node's won and lost quotes; false: the margin above [${defaultPricingOptions.learn}]
  --matching.pricing.minMargin N, .maxMargin N   bounds of a learned margin [${defaultPricingOptions.minMargin}, ${defaultPricingOptions.maxMargin}]
  --matching.pricing.decisionWindowMs N          a quote not confirmed by then counts as lost [7 days]
  --matching.pricing.shareWinProbability true    tell buyers our P(win) in the quote [${defaultPricingOptions.shareWinProbability}]
Processes, materials, tolerances, rates and shifts come from the assets of twins.yaml in the data dir.`;

type Scalar = 'number' | 'string' | 'boolean' | 'list';

const CAPABILITY_KEYS: Record<string, Scalar> = {
  currency: 'string',
  margin: 'number',
  minOrderQty: 'number',
  maxOrderQty: 'number',
  deliveryRegions: 'list',
  finishes: 'list',
  setupCost: 'number',
  defaultRatePerHourUsd: 'number',
  startDelayDays: 'number',
  finishingDays: 'number',
};
const DECIDE_KEYS: Record<string, Scalar> = {
  minConfidence: 'number',
  minScore: 'number',
  assumedQuantity: 'number',
};
const PRICING_KEYS: Record<string, Scalar> = {
  learn: 'boolean',
  minMargin: 'number',
  maxMargin: 'number',
  decisionWindowMs: 'number',
  keepQuotes: 'number',
  shareWinProbability: 'boolean',
};
const LLM_KEYS: Record<string, Scalar> = {
  baseUrl: 'string',
  model: 'string',
  timeoutMs: 'number',
  maxResponseBytes: 'number',
  temperature: 'number',
};
const TOP_KEYS: Record<string, Scalar> = {
  autoRespond: 'boolean',
  keepIncoming: 'number',
  keepNeeds: 'number',
  offerWindowMs: 'number',
  catalogueCacheMs: 'number',
};

function convert(flag: string, v: string | true, kind: Scalar): unknown {
  if (v === true) {
    if (kind === 'boolean') return true;
    throw new UsageError(`--${flag} needs a value`);
  }
  switch (kind) {
    case 'number': {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number`);
      return n;
    }
    case 'boolean':
      if (v !== 'true' && v !== 'false') throw new UsageError(`--${flag} must be true or false`);
      return v === 'true';
    case 'list':
      return v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    case 'string':
      return v;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * The node's matching options: the defaults with the `--matching.*` flags applied, and the large
 * model's API key from `env.WEFT_LLM_API_KEY` (never from a flag: argv is visible to every user).
 */
export function matchingOptionsOf(args: ParsedArgs, env: NodeJS.ProcessEnv): NodeMatchingOptions {
  const o = structuredClone(defaultNodeMatchingOptions);
  const set = (target: Record<string, unknown>, keys: Record<string, Scalar>, key: string, flag: string) => {
    const kind = keys[key];
    if (!kind) throw new UsageError(`unknown option --${flag}`);
    target[key] = convert(flag, args.flags.get(flag)!, kind);
  };
  for (const flag of args.flags.keys()) {
    if (!flag.startsWith('matching.')) continue;
    const [section, key, more, ...rest] = flag.slice('matching.'.length).split('.');
    if (section === undefined || rest.length > 0) throw new UsageError(`unknown option --${flag}`);
    if (key === undefined) {
      set(o as unknown as Record<string, unknown>, TOP_KEYS, section, flag);
    } else if (section === 'capabilities' && more === undefined) {
      set(o.capabilities as Record<string, unknown>, CAPABILITY_KEYS, key, flag);
    } else if (section === 'decide' && more === undefined) {
      set(o.decide as Record<string, unknown>, DECIDE_KEYS, key, flag);
    } else if (section === 'pricing' && more === undefined) {
      set(o.pricing as Record<string, unknown>, PRICING_KEYS, key, flag);
    } else if (section === 'parser' && key === 'llm' && more !== undefined) {
      if (more === 'apiKey')
        throw new UsageError('the model API key is read from $WEFT_LLM_API_KEY, not a flag');
      o.parser.llm ??= { ...defaultLlmNeedParserOptions };
      set(o.parser.llm as unknown as Record<string, unknown>, LLM_KEYS, more, flag);
    } else {
      throw new UsageError(`unknown option --${flag}`);
    }
  }
  const key = env.WEFT_LLM_API_KEY;
  if (o.parser.llm && key) o.parser.llm.apiKey = key;
  return o;
}

/** The flags without `--matching.*` (for the generic dotted-option mapping of the other sections). */
export function withoutMatchingFlags(args: ParsedArgs): ParsedArgs {
  return {
    positional: args.positional,
    flags: new Map([...args.flags].filter(([k]) => !k.startsWith('matching.'))),
  };
}

function needText(args: ParsedArgs): string {
  if (args.positional.length < 3)
    throw new UsageError('the need\'s text is missing: weft need parse "<text>"');
  // An empty or blank text is the parser's to refuse (NEED_EMPTY), as the API does.
  return args.positional.slice(2).join(' ');
}

function pct(n: number): string {
  return `${Math.round(n * 100)}%`.padStart(4);
}

function printSpec(spec: NeedSpec): void {
  console.log(`language ${spec.language} · parser ${spec.parser}`);
  const entries = Object.entries(spec.fields);
  if (entries.length === 0) console.log('  (no field understood)');
  for (const [name, f] of entries) {
    if (!f) continue;
    const v = typeof f.value === 'object' ? JSON.stringify(f.value) : String(f.value);
    console.log(
      `  ${name.padEnd(15)} ${v.padEnd(44)} ${pct(f.confidence)}  ${f.source ? `«${f.source}»` : ''}`,
    );
  }
  for (const w of spec.warnings) console.log(`warning: ${w}`);
}

function printOffers(r: NeedOffersView): void {
  console.log(
    `${r.offers.length} offer(s) for ${r.transactionId}${r.open ? ' (still waiting for answers)' : ''}`,
  );
  for (const o of r.offers) {
    const price = o.unitPrice ? `${o.unitPrice} ${o.currency}/unit` : 'no price';
    const total = o.total ? `, total ${o.total}` : '';
    const lead = o.leadTimeDays !== undefined ? `, ${o.leadTimeDays} days` : '';
    console.log(
      `#${o.rank} score ${o.score.toFixed(2)} fit ${o.fit.toFixed(2)}  ${o.supplierName ?? o.supplier}`,
    );
    console.log(
      `   ${o.itemName}: ${price}${total}${lead}${o.deliveryDate ? ` (by ${o.deliveryDate})` : ''}`,
    );
    for (const reason of o.reasons) console.log(`   ${reason.weight >= 0 ? '+' : '-'} ${reason.text}`);
  }
}

/** The owner-API client of the node running on a data dir (its URL is in `api.url` while it runs). */
function runningNode(dir: string): WeftClient {
  const d = loadDataDir(dir);
  let url: string;
  try {
    url = readFileSync(join(d.dir, API_URL_FILE), 'utf8').trim();
  } catch {
    throw new WeftError(
      'BAD_REQUEST',
      `no node is running on ${dir} (start it with: weft start --data ${dir})`,
    );
  }
  return new WeftClient(url, d.adminToken);
}

export async function cmdNeed(args: ParsedArgs, dataDir: string): Promise<number> {
  const sub = args.positional[1];
  switch (sub) {
    case 'parse': {
      const parser = createNeedParser(matchingOptionsOf(args, process.env).parser, {
        logger: silentLogger(),
      });
      const spec = await parser.parse(needText(args), { now: new Date() });
      if (bool(args, 'json')) console.log(JSON.stringify(spec, null, 2));
      else printSpec(spec);
      return 0;
    }
    case 'send': {
      const api = runningNode(dataDir);
      const text = needText(args);
      const { spec } = await api.parseNeed(text);
      const region = str(args, 'region');
      const waitMs = int(args, 'wait-ms') ?? 0;
      const r = await api.sendNeed({ text, spec, ...(region ? { region } : {}) });
      if (!bool(args, 'json')) {
        printSpec(spec);
        const where = r.broadcast === 'trusted' ? 'to the trusted partners' : `broadcast in ${r.broadcast}`;
        console.log(`sent: transaction ${r.transactionId} (${where})`);
      }
      // The owner asked to give suppliers this long to answer.
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const offers = waitMs > 0 ? await api.offers(r.transactionId) : undefined;
      if (bool(args, 'json'))
        console.log(JSON.stringify({ ...r, spec, ...(offers ? { offers } : {}) }, null, 2));
      else if (offers) printOffers(offers);
      return 0;
    }
    case 'offers': {
      const tx = args.positional[2];
      if (!tx) throw new UsageError('weft need offers TRANSACTION_ID');
      const r = await runningNode(dataDir).offers(tx);
      if (bool(args, 'json')) console.log(JSON.stringify(r, null, 2));
      else printOffers(r);
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown need command "${sub}"` : 'weft need parse|send|offers');
  }
}

/**
 * The few words of a need's own text the fit reads besides the parsed fields: whether a need that
 * names no process asks for parts to be made or for stock, and whether a quantity counts tools.
 *
 * Stock or make. Words of making (按图, 图纸, 来图, 定制, 定做, 加工, 开模, drawing, custom, machined,
 * made to) say "make" whatever else is said. Otherwise a positive sign of stock says "stock": a
 * quantity in mass, length, area or rolls (两吨, 500 m); a stock form bought as such (棒材, 圆棒, 管材,
 * 焊管, 板材, 卷材, 型材, bar stock, round bars, tubes, coils); a standard fastener (螺丝, 螺钉, 螺母, 螺栓,
 * 垫片, 铆钉, screws, nuts, bolts, washers, rivets). Without either, the need is for parts to be made.
 * Traditional forms are listed beside the Simplified ones: the fit reads the buyer's text as written.
 *
 * Parts. A few part words say which processes make the part when the need names none: a housing
 * (外壳, enclosure) is milled, cast, bent, moulded or printed, not turned or forged; a bracket (支架) is
 * made by nearly anything but a lathe; a shaft (轴) is turned, milled, ground or forged.
 *
 * Tool counts. On a tooling need, a number followed by a mould, die or tool noun (开3个注塑模具, 2
 * injection moulds, 3 sets of progressive stamping dies), or after one (模具3套, moulds: 2), or in a
 * tool unit (tools, moulds, dies) counts tools; any other number counts the parts the tool will make.
 */

/** What a need without a process asks for, and the words that said so. */
export interface StockOrMake {
  asks: 'stock' | 'make';
  /** The words (or unit) that decided; absent when nothing did and "make" is the default. */
  because?: string;
}

const MAKE_RE =
  /按图|按圖|图纸|圖紙|来图|來圖|定制|定製|订制|訂製|定做|订做|訂做|加工|开模|開模|非标|非標|\b(?:drawings?|custom(?:i[sz]ed)?|machined|made[\s-]to|to\s+print|per\s+print|fabricated)\b/i;

const STOCK_UNITS: ReadonlySet<string> = new Set([
  'kg',
  'g',
  't',
  'tons',
  'tonnes',
  '吨',
  '公斤',
  'm',
  'm2',
  'ft',
  'rolls',
  '米',
  '卷',
]);

// 304不锈钢棒材, 7075鋁棒, 不锈钢焊管, 钢板; not 钢管支架 (a part of tube), nor 卷边 (a process).
const STOCK_FORM_ZH_RE =
  /棒材|圆棒|圓棒|管材|板材|卷材|捲材|型材|线材|線材|带材|帶材|(?:[钢鋼铝鋁铜銅]|焊|无缝|無縫|圆|圓|方)(?:棒|管|板|卷|捲)(?![\p{Script=Han}])/u;
const STOCK_FORM_EN_RE =
  /\b(?:bar|rod|tube|sheet|coil|plate|pipe|wire)\s+stock\b|\b(?:round|flat|hex|square)\s+(?:bars?|rods?|tubes?|tubing)\b|\b(?:bars|rods|tubes|tubing|pipes|coils)\b/i;
// Not 螺丝孔 (a screw hole) nor "bolt holes", "bolt-on", "screw thread".
const FASTENER_ZH_RE = /(?:螺[丝絲钉釘母帽栓]|[垫墊][片圈]|[铆鉚][钉釘])(?!孔)/;
const FASTENER_EN_RE =
  /\b(?:screws?|nuts?|bolts?|washers?|rivets?)\b(?![\s-]*(?:holes?|on\b|threads?|circle|pattern|pitch))/i;

/** Whether a need that names no process asks for stock or for parts to be made (see the module doc). */
export function stockOrMake(text: string, quantityUnit: string | undefined): StockOrMake {
  const make = MAKE_RE.exec(text);
  if (make) return { asks: 'make', because: make[0] };
  const unit = quantityUnit?.trim().toLowerCase();
  if (unit !== undefined && STOCK_UNITS.has(unit)) return { asks: 'stock', because: `a quantity in ${unit}` };
  const stock =
    STOCK_FORM_ZH_RE.exec(text) ??
    STOCK_FORM_EN_RE.exec(text) ??
    FASTENER_ZH_RE.exec(text) ??
    FASTENER_EN_RE.exec(text);
  if (stock) return { asks: 'stock', because: stock[0] };
  return { asks: 'make' };
}

/** Units that count tools whatever follows them. */
const TOOL_COUNT_UNITS: ReadonlySet<string> = new Set([
  'tools',
  'tool',
  'moulds',
  'mould',
  'molds',
  'mold',
  'dies',
  'die',
]);

// After the number: 注塑模具, 套模, 副冲压模 (not 模块, 模组, 模型, 模数); moulds, dies, tools (not die-cast, tool steel).
// "2,000 parts from one mould" and 1万个产品的模具 count parts: the words between may only qualify the tool.
const TOOL_NOUN_AFTER_RE =
  /^(?:(?:(?![的为為用做产產件个個模])\p{Script=Han}){0,4}(?:模具|模(?![块塊组組型数數式拟擬特]))|\s*(?:x\s*)?(?:of\s+)?(?:(?!(?:parts?|pcs|pieces?|units?|from|with|for|per|using|by|in|on|off|shots?)\b)[a-z-]+\s+){0,3}?(?:moulds?|molds?|dies|die(?![\s-]*cast)|tools?(?!\s*steel)|tooling)\b)/iu;
const TOOL_NOUN_BEFORE_RE =
  /(?:模具|套模|副模|\bmoulds?|\bmolds?|\bdies|\btools|\btooling)\s*(?:数量|數量|qty|quantity)?\s*[:：=x×]?\s*$/i;

/**
 * Whether the quantity of a tooling need counts tools (3 moulds) rather than the parts the tool will
 * make (首单1万个). `source` is the quantity's words as the parser found them in `text`.
 */
export function countsTools(text: string, source: string | undefined, unit: string): boolean {
  if (TOOL_COUNT_UNITS.has(unit.trim().toLowerCase())) return true;
  if (source === undefined || source.length === 0) return false;
  // The source may also occur inside another word (the 2 of M12): only whole occurrences count.
  for (let at = text.indexOf(source); at >= 0; at = text.indexOf(source, at + 1)) {
    const end = at + source.length;
    if (/[A-Za-z0-9.]/.test(text[at - 1] ?? '') || /[0-9.]/.test(text[end] ?? '')) continue;
    if (TOOL_NOUN_AFTER_RE.test(text.slice(end, end + 40))) return true;
    if (TOOL_NOUN_BEFORE_RE.test(text.slice(Math.max(0, at - 16), at))) return true;
  }
  return false;
}

/** A part word of the need and the processes (canonical ids) that make such a part. */
export interface PartKind {
  word: string;
  processes: ReadonlySet<string>;
}

const CASTING = ['die-casting', 'sand-casting', 'investment-casting', 'gravity-casting'];
const SHEET = ['sheet-metal', 'laser-cutting', 'stamping', 'deep-drawing'];

const PARTS: ReadonlyArray<{ re: RegExp; processes: ReadonlySet<string> }> = [
  {
    re: /外壳|外殼|壳体|殼體|机壳|機殼|箱体|箱體|[铝鋁塑]壳|[铝鋁塑]殼|\b(?:housings?|enclosures?|casings?)\b/i,
    processes: new Set([
      'cnc-machining',
      ...CASTING,
      ...SHEET,
      'injection-moulding',
      '3d-printing',
      'extrusion',
      'welding',
      'metal-injection-moulding',
    ]),
  },
  {
    re: /支架|托架|\bbrackets?\b/i,
    processes: new Set([
      'cnc-machining',
      ...CASTING,
      ...SHEET,
      'injection-moulding',
      '3d-printing',
      'extrusion',
      'welding',
      'forging',
      'metal-injection-moulding',
    ]),
  },
  {
    // Not 轴承 (a bearing, bought) nor 五轴 (five-axis, a machine).
    re: /(?<![一二三四五六七八九两兩\d-])(?:轴|軸)(?![承])|\bshafts?\b/i,
    processes: new Set(['turning', 'cnc-machining', 'grinding', 'forging']),
  },
];

/** The part words of a need's text and the processes that make them (empty when it names none we know). */
export function partKinds(text: string): PartKind[] {
  const out: PartKind[] = [];
  for (const p of PARTS) {
    const m = p.re.exec(text);
    if (m) out.push({ word: m[0], processes: p.processes });
  }
  return out;
}

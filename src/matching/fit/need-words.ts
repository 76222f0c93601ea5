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
 * made by nearly anything but a lathe; a shaft (轴) is turned, milled, ground or forged; a flange (法兰)
 * is turned, milled, forged or cast, not cut from sheet; a valve block or manifold (阀块, 阀体) is milled,
 * cast, forged or printed, not turned. A wrought aluminium grade (6061-T6, 7075) is not cast, so it
 * rules out foundries and die casters (`wroughtOnly`); a hardened temper of it (6061-T6) is not formed,
 * so it rules out stampers and bending shops (`notFormed`).
 *
 * Tool counts. On a tooling need, a number followed by a mould, die or tool noun (开3个注塑模具, 2
 * injection moulds, 3 sets of progressive stamping dies), or after one (模具3套, 级进模2套, moulds: 2), or
 * in a tool unit (tools, moulds, dies) counts tools; any other number counts the parts the tool will
 * make (开模做外壳，首单1万个), and `toolMakes` says by what process.
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
  /(?:模具|套模|副模|(?:级进|級進|连续|連續|复合|複合)模|\bmoulds?|\bmolds?|\bdies|\btools|\btooling)\s*(?:数量|數量|qty|quantity)?\s*[:：=x×]?\s*$/i;

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
    // A housing from sheet is bent or drawn: a laser cutter alone gives flat blanks, not a housing.
    re: /外壳|外殼|壳体|殼體|机壳|機殼|机箱|機箱|箱体|箱體|[铝鋁塑]壳|[铝鋁塑]殼|\b(?:housings?|enclosures?|casings?)\b/i,
    processes: new Set([
      'cnc-machining',
      ...CASTING,
      ...SHEET.filter((p) => p !== 'laser-cutting'),
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
    // A flange is turned, milled, forged or cast; not cut from sheet to a turned tolerance.
    re: /法兰|法蘭|\bflanges?\b(?![\s-]*(?:nuts?|bolts?|screws?))/i,
    processes: new Set(['turning', 'cnc-machining', 'grinding', 'forging', ...CASTING]),
  },
  {
    // A valve block or manifold is milled from a block, cast or printed; not turned, not sheet.
    re: /阀块|閥塊|阀体|閥體|阀座|閥座|\b(?:valve\s+(?:blocks?|bod(?:y|ies)|housings?)|manifolds?|manifold\s+blocks?)\b/i,
    processes: new Set(['cnc-machining', ...CASTING, 'forging', '3d-printing']),
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

const CAST_PROCESSES: ReadonlySet<string> = new Set([...CASTING, 'metal-injection-moulding']);

// Aluminium Association wrought series (1xxx–8xxx, with or without temper: 6061-T6, 5052-H32, AA7075);
// cast alloys are written with three digits (A356, 380) or by name (ADC12, AlSi10Mg).
const WROUGHT_ALUMINIUM_RE = /^(?:AA|AL|EN\s?AW-?)?[1-8]\d{3}(?:[-\s]?[TOHF]\d{0,4})?$/i;

/**
 * Whether a graded material is a wrought alloy that is not cast (6061-T6, 7075), so that a need naming
 * no process is not quoted by a foundry or die caster. Only aluminium grades are read; others say no.
 */
export function wroughtOnly(family: string | undefined, grade: string | undefined): boolean {
  if (family !== 'aluminium' || grade === undefined) return false;
  return WROUGHT_ALUMINIUM_RE.test(grade.trim());
}

// 6061-T6, 7075-T651, 2024-T3: a precipitation-hardened temper of a heat-treatable series (2xxx, 6xxx,
// 7xxx) cracks in a tight bend or a draw; sheet is formed in 1xxx/3xxx/5xxx or in the O or T4 temper.
const HARD_TEMPER_RE = /^(?:AA|AL|EN\s?AW-?)?[267]\d{3}[-\s]?T(?:3|[5-9])\d{0,3}$/i;

/**
 * Whether a graded material is in a hardened temper that is machined or cut but not formed (6061-T6),
 * so that a need naming no process is not quoted by a stamper or a bending shop (see `forms`).
 */
export function notFormed(family: string | undefined, grade: string | undefined): boolean {
  if (family !== 'aluminium' || grade === undefined) return false;
  return HARD_TEMPER_RE.test(grade.trim());
}

const FORMING_PROCESSES: ReadonlySet<string> = new Set([
  'stamping',
  'deep-drawing',
  'sheet-metal',
  'bending',
]);

/** Whether a process forms sheet (stamping, deep drawing, bending): none of them takes a hardened temper. */
export function forms(process: string): boolean {
  return FORMING_PROCESSES.has(process);
}

/** Whether a process casts (die, sand, investment, gravity casting, MIM): none of them takes a wrought grade. */
export function casts(process: string): boolean {
  return CAST_PROCESSES.has(process);
}

// The kind of tool named (注塑模, 压铸模具, 级进模, extrusion die) says what it will make.
const TOOL_KINDS: ReadonlyArray<{ re: RegExp; process: string }> = [
  { re: /注塑|注射|射出|\binjection\b/i, process: 'injection-moulding' },
  { re: /压铸|壓鑄|\bdie[\s-]?cast/i, process: 'die-casting' },
  { re: /冲压|沖壓|级进|級進|连续模|連續模|\b(?:stamping|progressive)\b/i, process: 'stamping' },
  { re: /吹塑|吹瓶|\bblow[\s-]?mou?ld/i, process: 'blow-moulding' },
  { re: /挤压|擠壓|挤出|擠出|\bextrusion\b/i, process: 'extrusion' },
];

const MOULDED_PLASTICS: ReadonlySet<string> = new Set([
  'abs',
  'pc',
  'pc-abs',
  'pp',
  'pe',
  'nylon',
  'pom',
  'pmma',
  'pbt',
  'peek',
  'tpu',
  'tpe',
  'ps',
  'pvc',
]);

/**
 * The process a tool of a tooling need will run: the kind of tool named (注塑模 → injection moulding,
 * 级进模 → stamping), else a mould for a plastic is an injection mould; undefined when neither says.
 */
export function toolMakes(text: string, family: string | undefined): string | undefined {
  for (const k of TOOL_KINDS) if (k.re.test(text)) return k.process;
  return family !== undefined && MOULDED_PLASTICS.has(family) ? 'injection-moulding' : undefined;
}

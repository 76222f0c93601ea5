/**
 * Processes, categories, material, finishes and certifications, from the glossary's terms.
 *
 * - process: the first making process named; a general one (CNC加工, 铸件) gives way to a specific one of
 *   the same category (车削, sand casting); tooling and assembly only when nothing else is named. A
 *   process right before a die word (冲压级进模, 注塑模) names what the tool will run and is left out; a
 *   die kind (级进模, progressive die) counted (级进模2套) or named beside a tooling word is tooling. A
 *   board (PCB, PCBs) in an assembly need is the board assembled unless a verb of making governs it
 *   ("make 2,000 PCBs and assemble them": PCB fabrication, with the assembly as PCB assembly). When
 *   only a finish or heat treatment is named and the text asks for it as a service (阳极氧化加工, 热处理外协,
 *   来料加工, "anodizing service", "parts we supply", 把自己的零件拿去做…), writes it as a verb on counted
 *   things or parts ("hard anodize 800 … parts"), or puts a heat treatment right after the material
 *   (H13真空淬火, not 调质棒材), that finish is the process. A stock form (型材, profiles) named beside
 *   a finishing service is the material treated, not an extrusion.
 * - categories: the categories of every making process named (surface-treatment / heat-treatment for a
 *   finishing-only need).
 * - material: the first graded material (304, 6061-T6, Q235B), else the first specific family, else a
 *   catch-all (钢, steel).
 * - finish: every finish and treatment named; a general `electroplating` is dropped when a specific
 *   plating is named.
 * A term in a clause that says the buyer does not need it ("渗碳淬火由我方负责", "no plating required"), that the
 * buyer brings (模具我们提供), or that says what the buyer is (我们是冲压厂, 模具厂急用) is left out. A finish
 * asked for with an outsourcing word (委外做热浸镀锌, 外协电镀) or needed by existing parts (零件需要氮化处理) is a
 * service; so is one asked for as a service on parts named only by their kind (塑胶件, 压铸件).
 */

import type { NeedFields } from '../spec.js';
import type { Facet, Glossary, TermMatch } from '../text/index.js';
import { after, before, clauseAt, consume, isUsed, type ParseContext, sourceOf } from './context.js';

const NEGATION_RE =
  /由我方|我方负责|我司负责|我方自行|我司自行|我们自己(?!的)|自己做|自行处理|客户自理|不需要|无需|不用|不要|不含|不包括|除外|no need|not need|not required|not needed|without|excluding|excluded|except|done by us|by us\b|in-house/;

const SERVICE_AFTER_RE =
  /^\s*的?\s*(?:加工|外协|代工|工厂|厂商|厂家|厂|服务|外发|service|services|shop|house|supplier|vendor|subcontract)/;
const SERVICE_GLOBAL_RE =
  /来料|客供|我方提供|我司提供|我们提供|由我们提供|发给你们|寄给你们|送过来|we (?:will )?supply|we'll (?:send|ship|supply)|send (?:them )?over|parts we supply|customer[- ]supplied|free[- ]issue|supplied by us|our own parts|our parts|(?:we|i) (?:will |can )?(?:ship|send|provide|deliver)\b[^.;]{0,24}\bto you/;
// 把自己的零件拿去做渗碳淬火, 我们的工件需要镀镍: the buyer's own parts, so a finish named is done on them.
const OWN_PARTS_RE =
  /(?:自己|我们|我司|我方|本厂|本公司)的?(?:零件|工件|部件|产品|配件)|把[^，。；,;]{0,16}(?:零件|工件|部件|产品|配件|件)[^，。；,;]{0,8}(?:拿去|送去|送到|拿到|交给|发给)?\s?(?:做|进行|处理)/;
// "hard anodize 800 aluminium 7075 parts": a finish written as a verb whose object is parts.
const FINISH_VERB_RE =
  /(?:i[sz]e|plate|coat|treat|harden|passivate|nitride|temper|quench|blast|polish|paint|black(?:en)?)$/i;
// Its object: a count (anodize 800 …, nitride 300 …) or, later in the sentence, parts.
// Its object: a count of things (anodize 800 …, nitride 300 …; not "powder coat 2 colours", "25 µm") or,
// later in the clause, parts.
const PARTS_OBJECT_RE =
  /^\s+(?:(?:about|approx\.?|approximately|around|some|~)\s*)?\d[\d,.]*\s*k?\b(?!\s*(?:colou?rs?|µm|um|microns?|mm|mils?|layers?|coats?|%|hrc|hv|hours?|days?|weeks?|x\b))|^(?:[^.;:!?。；：,，]|,(?=\d{3}))*?\b(?:parts|components|pieces|pcs|workpieces|items|castings|forgings|stampings|inserts|housings|brackets|shafts)\b/i;
// H13模具钢真空淬火回火 but not 40Cr调质圆钢 (a stock form sold treated).
const TREATED_STOCK_AFTER_RE =
  /^\s*的?\s*(?:圆钢|棒|板|管|卷|型材|钢材|\b(?:bars?|rods?|plates?|sheets?|tubes?|stock)\b)/i;
// 委外做熱浸鍍鋅, 外发电镀: the treatment named after an outsourcing word is the service wanted.
const SERVICE_BEFORE_RE = /(?:委外|外包|外发|外协)\s?(?:做|加工|处理)?\s*$/;
// 零件需要氮化处理 with nothing to make: the parts exist and need the treatment.
const ASKED_BEFORE_RE = /(?:零件|工件|部件|配件|产品)\s?(?:需要|需)\s?(?:做|进行)?\s*$/;
const BUY_RE = /求购|采购|购买|买|一批|buy|purchase|sourcing/;
// Process words that name the parts (塑胶件, 压铸件, castings) rather than a making step.
// A stock form (型材, profiles) named beside a finishing service is what is to be treated (来料阳极氧化，铝型材).
const STOCK_FORM_NOUN_RE = /型材$|^(?:profiles|extruded profiles)$/i;
const PART_NOUN_RE =
  /件$|型材$|^(?:castings|stampings|forgings|extrusions|mouldings|moldings|profiles|extruded profiles)$/i;
// A die or mould word right after a process (冲压级进模, 注塑模, stamping dies) names the tool, not the process.
const DIE_AFTER_RE =
  /^\s*(?:(?:级进|连续|复合|单冲|落料|拉伸|成型|冷镦|热锻|精密)?模(?![块组型数式拟特])|(?:progressive\s+|transfer\s+|compound\s+)?(?:dies|die(?![\s-]*cast)|moulds?|molds?)\b)/i;
// A process word that is itself a kind of die (级进模, 连续模, progressive die).
const DIE_KIND_RE = /模$|\bdies?$/i;
// 级进模2套, 两副连续模, 3 sets of progressive dies: the dies are counted, so they are what is bought.
const DIE_COUNT_AFTER_RE = /^\s*(?:\d+|[一二两三四五六七八九十]+)\s*(?:套|副|个|sets?\b)/i;
const DIE_COUNT_BEFORE_RE =
  /(?:\d+|[一二两三四五六七八九十]+)\s*(?:套|副|个|sets?\s+of)\s*(?:[\p{Script=Han}]{0,4}|(?:[a-z-]+\s+){0,2})$/iu;
// "make 2,000 PCBs … and assemble them", 做PCB板: a board named after a verb of making is a board to make.
const MAKE_BOARD_BEFORE_RE =
  /(?:\b(?:make|makes|making|fabricate|fabricating|manufacture|manufacturing|produce|producing|build|building)\s+(?:[\w.~-]+(?:,\d{3})*\s+){0,3}|(?:做|制作|生产|打|打样)\s?)$/i;
// "assemble them", "assembled": the assembly of boards named in the need is PCB assembly.
const BOARD_ASSEMBLY_RE = /^(?:assembly|assemble|assembled|组装|装配)$/i;
// 模具我们提供, 模具客供: the buyer brings that part of the job.
const PROVIDED_AFTER_RE = /^\s?(?:由|是)?\s?(?:我们|我方|我司|客户|客人)(?:自己)?提供|^\s?客供/;
const SELF_AFTER_RE = /^厂?\s?(?:急用|自用)/;
const SELF_BEFORE_RE = /(?:我们是|我司是|本司是|本厂是|我们是一家|我司是一家|we are an?|we're an?)\s*$/;
// A board named in an assembly need is the thing assembled, not a board to make.
const WEAK_PCB_FAB = new Set([
  'pcb',
  'pcbs',
  'pcb板',
  '线路板',
  '电路板',
  'printed circuit board',
  'printed circuit boards',
]);
// Words for "coating" in general, which a named coating (喷粉, 电泳) makes precise.
const WEAK_PAINT = new Set(['喷涂', '涂装', 'spray coating']);

type Fields = Pick<NeedFields, 'categories' | 'process' | 'material' | 'finish' | 'certifications'>;

interface Hit<F extends Facet> {
  facet: F;
  match: TermMatch;
}

export function extractTerms(ctx: ParseContext, glossary: Glossary, warnings: string[]): Fields {
  const matches = glossary.findTerms(ctx.text);
  const out: Fields = {};
  const procs: Array<Hit<Extract<Facet, { kind: 'process' }>>> = [];
  const finishes: Array<Hit<Extract<Facet, { kind: 'finish' }>>> = [];
  const mats: Array<Hit<Extract<Facet, { kind: 'material' }>>> = [];
  const certs: Array<Hit<Extract<Facet, { kind: 'certification' }>>> = [];
  for (const match of matches) {
    if (isUsed(ctx, match.start, match.end)) continue; // inside a sentence that is not part of the need
    // Numbers inside a term (grades, ISO numbers) are never quantities, negated or not.
    consume(ctx, match.start, match.end);
    if (
      negated(ctx, match.start) ||
      selfDescription(ctx, match) ||
      PROVIDED_AFTER_RE.test(after(ctx, match.end, 10))
    )
      continue;
    for (const facet of match.facets) {
      if (facet.kind === 'process') procs.push({ facet, match });
      else if (facet.kind === 'finish') finishes.push({ facet, match });
      else if (facet.kind === 'material') mats.push({ facet, match });
      else if (facet.kind === 'certification') certs.push({ facet, match });
    }
  }

  // Finishes: a general word gives way to the specific one said with it (电镀 + 镀镍, 喷涂 + 喷粉,
  // "Type III hard anodize" is not also plain anodizing).
  const ids = new Set(finishes.map((f) => f.facet.id));
  const specificPlating = finishes.some((f) => !f.facet.generic && /plating|galvaniz/.test(f.facet.id));
  const keptFinishes = finishes.filter(
    (f) =>
      !(f.facet.generic && specificPlating) &&
      !(f.facet.id === 'anodizing' && ids.has('hard-anodizing')) &&
      !(
        f.facet.id === 'painting' &&
        WEAK_PAINT.has(f.match.text.toLowerCase()) &&
        (ids.has('powder-coating') || ids.has('e-coating'))
      ),
  );
  const finishIds = unique(keptFinishes.map((f) => f.facet.id)).slice(0, 8);
  if (finishIds.length > 0) {
    out.finish = {
      value: finishIds,
      confidence: 0.85,
      source: sources(
        ctx,
        keptFinishes.map((f) => f.match),
      ),
    };
  }

  // Process and categories.
  // A die named with a process (冲压级进模, 注塑模): the process is what the tool will run, and a die
  // kind that is counted or named beside a tooling word (级进模2套, 模具开发：…级进模) is the tool itself.
  const tooling = procs.some((p) => p.facet.category === 'tooling');
  for (let i = procs.length - 1; i >= 0; i--) {
    const p = procs[i]!;
    if (p.facet.category === 'tooling') continue;
    if (DIE_AFTER_RE.test(after(ctx, p.match.end, 16))) {
      procs.splice(i, 1);
    } else if (
      DIE_KIND_RE.test(p.match.text) &&
      (tooling ||
        DIE_COUNT_AFTER_RE.test(after(ctx, p.match.end, 8)) ||
        DIE_COUNT_BEFORE_RE.test(before(ctx, p.match.start, 16)))
    ) {
      p.facet = { ...p.facet, id: 'tooling', category: 'tooling', auxiliary: true, generic: false };
    }
  }
  // "PCB fab + assembly", "make PCBs and assemble them": the assembly of a board is PCB assembly.
  if (procs.some((p) => p.facet.id === 'pcb-fabrication')) {
    for (const p of procs) {
      if (p.facet.id === 'assembly' && BOARD_ASSEMBLY_RE.test(p.match.text)) {
        p.facet = { ...p.facet, id: 'pcb-assembly', category: 'pcb-assembly', auxiliary: false };
      }
    }
  }
  // In an assembly need a board named plainly (PCB, 线路板) is the board assembled, unless a verb of
  // making governs it ("make 2,000 PCBs and assemble them", 做PCB板+贴片).
  if (procs.some((p) => p.facet.id === 'pcb-assembly')) {
    for (let i = procs.length - 1; i >= 0; i--) {
      const p = procs[i]!;
      if (
        p.facet.id === 'pcb-fabrication' &&
        WEAK_PCB_FAB.has(p.match.text.toLowerCase()) &&
        !MAKE_BOARD_BEFORE_RE.test(ctx.lower.slice(Math.max(0, p.match.start - 40), p.match.start))
      )
        procs.splice(i, 1);
    }
  }
  // A finish asked for as a service, on parts the buyer names by what they are (ABS塑胶件喷UV漆 in a
  // 喷涂加工 need, 铝压铸件来料镀镍) or on a stock form it brings (客供铝型材喷粉): the parts' process is not
  // what the buyer wants made.
  const stockForms = procs.every((p) => STOCK_FORM_NOUN_RE.test(p.match.text));
  if (
    procs.length > 0 &&
    procs.every((p) => PART_NOUN_RE.test(p.match.text)) &&
    finishes.some(
      (f) =>
        !f.facet.generic &&
        (serviceWordAt(ctx, f.match) || (stockForms && SERVICE_GLOBAL_RE.test(ctx.lower))),
    )
  )
    procs.length = 0;
  if (procs.length > 0) {
    const primary = procs.filter((p) => !p.facet.auxiliary);
    const pool = primary.length > 0 ? primary : procs;
    let main = pool[0]!;
    if (main.facet.generic) {
      const specific = pool.find((p) => !p.facet.generic && p.facet.category === main.facet.category);
      if (specific) main = specific;
    }
    out.process = { value: main.facet.id, confidence: 0.85, source: src(ctx, main.match) };
    out.categories = {
      value: unique(procs.map((p) => p.facet.category)).slice(0, 16),
      confidence: 0.85,
      source: sources(
        ctx,
        procs.map((p) => p.match),
      ),
    };
  } else if (keptFinishes.length > 0) {
    // The service word may follow a general term that a specific one replaced (喷涂外协：铁件喷粉).
    const service = finishes.find(
      (f) =>
        asService(ctx, f.match) ||
        askedFor(ctx, f.match) ||
        onPartsObject(ctx, f.match) ||
        onMaterial(ctx, f, mats),
    );
    if (service !== undefined) {
      const first = keptFinishes.find((f) => !f.facet.generic) ?? keptFinishes[0]!;
      out.process = { value: first.facet.id, confidence: 0.7, source: src(ctx, service.match) };
      out.categories = {
        value: [first.facet.group === 'heat' ? 'heat-treatment' : 'surface-treatment'],
        confidence: 0.7,
        source: src(ctx, service.match),
      };
    }
  }

  // Material.
  const graded = mats.filter((m) => m.facet.grade !== undefined);
  if (graded.length > 0) {
    const first = graded[0]!;
    const families = unique(graded.map((g) => g.facet.family));
    let confidence = 0.9;
    if (families.length > 1) {
      confidence = 0.5;
      warnings.push(
        `several materials named (${unique(graded.map((g) => g.match.text)).join(', ')}); using ${first.match.text}`,
      );
    }
    out.material = {
      value: { family: first.facet.family, grade: first.facet.grade!.slice(0, 32) },
      confidence,
      source: src(ctx, first.match),
    };
  } else if (mats.length > 0) {
    const specific = mats.filter((m) => !m.facet.generic);
    const pick = specific[0] ?? mats[0]!;
    const families = unique(specific.map((m) => m.facet.family));
    let confidence = pick.facet.generic ? 0.6 : 0.8;
    if (families.length > 1) {
      confidence = 0.5;
      warnings.push(
        `several materials named (${unique(specific.map((m) => m.match.text)).join(', ')}); using ${pick.match.text}`,
      );
    }
    out.material = { value: { family: pick.facet.family }, confidence, source: src(ctx, pick.match) };
  }

  // Certifications.
  const certIds = unique(certs.map((c) => c.facet.id)).slice(0, 8);
  if (certIds.length > 0) {
    out.certifications = {
      value: certIds,
      confidence: 0.9,
      source: sources(
        ctx,
        certs.map((c) => c.match),
      ),
    };
  }
  return out;
}

function negated(ctx: ParseContext, at: number): boolean {
  const [s, e] = clauseAt(ctx.lower, at);
  return NEGATION_RE.test(ctx.lower.slice(s, e));
}

/** A service word right at the finish: 喷涂加工, 电镀外协, 委外做热浸镀锌, "anodizing service". */
function serviceWordAt(ctx: ParseContext, m: TermMatch): boolean {
  return SERVICE_AFTER_RE.test(after(ctx, m.end, 12)) || SERVICE_BEFORE_RE.test(before(ctx, m.start, 6));
}

function asService(ctx: ParseContext, m: TermMatch): boolean {
  if (serviceWordAt(ctx, m) || OWN_PARTS_RE.test(ctx.lower)) return true;
  if (/(?:做|找|求)\s*$/.test(before(ctx, m.start, 3)) && /^\s*的/.test(after(ctx, m.end, 3))) return true;
  return SERVICE_GLOBAL_RE.test(ctx.lower);
}

/**
 * "hard anodize 800 aluminium 7075 parts": the finish written as a verb (not "anodized housings") whose
 * object, later in the clause, is parts.
 */
function onPartsObject(ctx: ParseContext, m: TermMatch): boolean {
  // The raw text, not the clause: the object's count may hold a thousands separator (800, 5,000).
  return FINISH_VERB_RE.test(m.text) && PARTS_OBJECT_RE.test(ctx.lower.slice(m.end, m.end + 60));
}

/**
 * H13模具钢真空淬火回火: a heat treatment written right after the material, with nothing to make, is done
 * on that material (the buyer's); 40Cr调质圆钢 names a stock form sold treated and is not.
 */
function onMaterial(
  ctx: ParseContext,
  f: Hit<Extract<Facet, { kind: 'finish' }>>,
  mats: ReadonlyArray<Hit<Extract<Facet, { kind: 'material' }>>>,
): boolean {
  if (f.facet.group !== 'heat' || TREATED_STOCK_AFTER_RE.test(after(ctx, f.match.end, 8))) return false;
  return mats.some(
    (m) => m.match.end <= f.match.start && ctx.text.slice(m.match.end, f.match.start).trim() === '',
  );
}

/** 零件需要氮化处理: existing parts need the treatment (when nothing is to be made or bought). */
function askedFor(ctx: ParseContext, m: TermMatch): boolean {
  return ASKED_BEFORE_RE.test(before(ctx, m.start, 6)) && !BUY_RE.test(ctx.lower);
}

/** 模具厂急用, 我们是压铸厂: the buyer saying what it is, not what it wants made. */
function selfDescription(ctx: ParseContext, m: TermMatch): boolean {
  return SELF_AFTER_RE.test(after(ctx, m.end, 6)) || SELF_BEFORE_RE.test(before(ctx, m.start, 8));
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function src(ctx: ParseContext, m: TermMatch): string {
  return sourceOf(ctx, m.start, m.end);
}

function sources(ctx: ParseContext, ms: readonly TermMatch[]): string {
  return unique(ms.map((m) => src(ctx, m)))
    .join(', ')
    .slice(0, 500);
}

/**
 * Processes, categories, material, finishes and certifications, from the glossary's terms.
 *
 * - process: the first making process named; a general one (CNC加工, 铸件) gives way to a specific one of
 *   the same category (车削, sand casting); tooling and assembly only when nothing else is named. When
 *   only a finish or heat treatment is named and the text asks for it as a service (阳极氧化加工, 热处理外协,
 *   来料加工, "anodizing service", "parts we supply"), that finish is the process.
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
  /由我方|我方负责|我司负责|我方自行|我司自行|我们自己|自己做|自行处理|客户自理|不需要|无需|不用|不要|不含|不包括|除外|no need|not need|not required|not needed|without|excluding|excluded|except|done by us|by us\b|in-house/;

const SERVICE_AFTER_RE =
  /^\s*的?\s*(?:加工|外协|代工|工厂|厂商|厂家|厂|服务|外发|service|services|shop|house|supplier|vendor|subcontract)/;
const SERVICE_GLOBAL_RE =
  /来料|客供|我方提供|我司提供|我们提供|由我们提供|发给你们|寄给你们|送过来|we (?:will )?supply|we'll (?:send|ship|supply)|send (?:them )?over|parts we supply|customer[- ]supplied|free[- ]issue|supplied by us|our own parts|our parts|(?:we|i) (?:will |can )?(?:ship|send|provide|deliver)\b[^.;]{0,24}\bto you/;
// 委外做熱浸鍍鋅, 外发电镀: the treatment named after an outsourcing word is the service wanted.
const SERVICE_BEFORE_RE = /(?:委外|外包|外发|外协)\s?(?:做|加工|处理)?\s*$/;
// 零件需要氮化处理 with nothing to make: the parts exist and need the treatment.
const ASKED_BEFORE_RE = /(?:零件|工件|部件|配件|产品)\s?(?:需要|需)\s?(?:做|进行)?\s*$/;
const BUY_RE = /求购|采购|购买|买|一批|buy|purchase|sourcing/;
// Process words that name the parts (塑胶件, 压铸件, castings) rather than a making step.
const PART_NOUN_RE = /件$|^(?:castings|stampings|forgings|extrusions|mouldings|moldings)$/i;
// 模具我们提供, 模具客供: the buyer brings that part of the job.
const PROVIDED_AFTER_RE = /^\s?(?:由|是)?\s?(?:我们|我方|我司|客户|客人)(?:自己)?提供|^\s?客供/;
const SELF_AFTER_RE = /^厂?\s?(?:急用|自用)/;
const SELF_BEFORE_RE = /(?:我们是|我司是|本司是|本厂是|我们是一家|我司是一家|we are an?|we're an?)\s*$/;
// A board named in an assembly need is the thing assembled, not a board to make.
const WEAK_PCB_FAB = new Set(['pcb', 'pcb板', '线路板', '电路板', 'printed circuit board']);
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
  if (procs.some((p) => p.facet.id === 'pcb-assembly')) {
    for (let i = procs.length - 1; i >= 0; i--) {
      const p = procs[i]!;
      if (p.facet.id === 'pcb-fabrication' && WEAK_PCB_FAB.has(p.match.text.toLowerCase()))
        procs.splice(i, 1);
    }
  }
  // "PCB fab + assembly": the assembly of a board is PCB assembly.
  if (procs.some((p) => p.facet.id === 'pcb-fabrication')) {
    for (const p of procs) {
      if (p.facet.id === 'assembly' && /^(?:assembly|组装|装配)$/i.test(p.match.text)) {
        p.facet = { ...p.facet, id: 'pcb-assembly', category: 'pcb-assembly', auxiliary: false };
      }
    }
  }
  // A finish asked for as a service, on parts the buyer names by what they are (ABS塑胶件喷UV漆 in a
  // 喷涂加工 need, 铝压铸件来料镀镍): the parts' process is not what the buyer wants made.
  if (
    procs.length > 0 &&
    procs.every((p) => PART_NOUN_RE.test(p.match.text)) &&
    finishes.some((f) => !f.facet.generic && serviceWordAt(ctx, f.match))
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
    const service = finishes.find((f) => asService(ctx, f.match) || askedFor(ctx, f.match));
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
  if (serviceWordAt(ctx, m)) return true;
  if (/(?:做|找|求)\s*$/.test(before(ctx, m.start, 3)) && /^\s*的/.test(after(ctx, m.end, 3))) return true;
  return SERVICE_GLOBAL_RE.test(ctx.lower);
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

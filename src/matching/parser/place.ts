/**
 * The delivery place: a city of the gazetteer named after a delivery word (交货到东莞, 送到苏州, 交货地点：
 * 青岛, ship to Long Beach, delivery Hamburg, DDP Milan, CIF Rotterdam), before one (深圳宝安交货), or as
 * the buyer's plant (我们在Stuttgart的工厂, our plant is in Querétaro). A city named without such a word
 * (苏州周边的供应商) is where the buyer wants suppliers, not where goods go, and is not read. A place
 * after a delivery word that the gazetteer does not know (交货到湛江) is kept by name, without a region,
 * with low confidence: in Chinese the word jieba tags as a place name (`ns`), in English a capitalised name.
 */

import type { NeedFields } from '../spec.js';
import type { Gazetteer, PlaceMatch, Segmenter } from '../text/index.js';
import { isUsed, type ParseContext, sourceOf } from './context.js';

const CUE_BEFORE_RE =
  /(?:交货到|交货至|交货地点|交货地址|交货地|交货去|交货|交付到|交付至|交付地点|交付|送到|送至|送货到|送货至|送货|发到|发至|发往|发货到|发货至|发货|出货到|出货至|运到|运至|运往|寄到|寄至|快递到|到货地|交到|收货地址|收货地|目的地|地址|送货上门|我们在|我司在|工厂在|公司在|仓库在|ship(?:ped|ping)?(?:\s+to)?|send\s+to|deliver(?:ed|y|ing)?\s+(?:to|at|in)|deliver(?:ed|y)?|destination|ddp|dap|dpu|cif|cfr|cpt|cip|fob|fca|port of|(?:plant|factory|facility|warehouse|site)\s+(?:is\s+)?(?:located\s+)?in|\bto|到)(?:[\s,，:：、]*)([^,，;；。.!?]{0,8})$/;
const CUE_AFTER_RE =
  /^[^,，;；。]{0,6}?(?:交货|交付|到货|收货|的工厂|工厂|厂区|仓库)|^\s(?:plant|factory|facility|warehouse|site)\b/;
const DELIVERY_WORD_RE = /deliver|ship|send|dispatch|交货|交付|发货|送货|运/;
const UNKNOWN_RE =
  /(?:交货到|交货至|交货地点|交货地址|交货地|送货到|送到|送至|发货到|发到|发往|运到|运至|寄到|[Ss]hip(?:ped|ping)?\s+to|[Dd]eliver(?:y|ed)?\s+to)\s*[:：]?\s*([\u4e00-\u9fff]{2,12}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)(?=$|[^\u4e00-\u9fffA-Za-z])/;
const NOT_A_PLACE_RE =
  /^(?:我司|我方|贵司|我们|工厂|仓库|现场|本地|客户|厂里|指定|our|your|the|us|site|plant|warehouse|customer)/i;

interface Found {
  match: PlaceMatch;
  confidence: number;
}

export function extractPlace(
  ctx: ParseContext,
  gazetteer: Gazetteer,
  segmenter: Segmenter,
  warnings: string[],
): Pick<NeedFields, 'deliveryPlace'> {
  const found: Found[] = [];
  for (const match of gazetteer.find(ctx.text)) {
    if (isUsed(ctx, match.start, match.end)) continue;
    const lead = ctx.lower.slice(Math.max(0, match.start - 24), match.start);
    const cue = CUE_BEFORE_RE.exec(lead);
    let confidence = 0;
    if (cue) {
      const gap = cue[1] ?? '';
      const bareTo =
        /\bto(?:[\s,，:：、]*)[^,，;；。.!?]{0,8}$/.test(lead) && !/(?:ship|send|deliver)\w*\s+to/.test(lead);
      // "to" alone counts only in a sentence about delivery ("deliver in 15 working days to San Jose").
      if (bareTo && !DELIVERY_WORD_RE.test(ctx.lower.slice(Math.max(0, match.start - 60), match.start)))
        confidence = 0;
      else confidence = gap.trim().length === 0 ? 0.9 : 0.75;
      if (/我们在|我司在|工厂在|公司在|仓库在|plant|factory|facility|warehouse|site/.test(cue[0]))
        confidence = 0.7;
    }
    if (confidence === 0 && CUE_AFTER_RE.test(ctx.lower.slice(match.end, match.end + 10))) confidence = 0.75;
    if (confidence > 0) found.push({ match, confidence });
  }
  if (found.length > 0) {
    const first = found[0]!;
    let confidence = first.confidence;
    const regions = new Set(found.map((f) => f.match.place?.region ?? `?${f.match.text}`));
    if (regions.size > 1) {
      confidence = 0.3;
      warnings.push(
        `several delivery places named (${found.map((f) => f.match.text).join(', ')}); using ${first.match.text}`,
      );
    }
    const region = first.match.place?.region;
    if (region === undefined) {
      // 奥克兰 alone: Auckland or Oakland; kept by name, like a place the gazetteer does not know.
      confidence = Math.min(confidence, 0.5);
      warnings.push(
        `${first.match.text} may be ${first.match.candidates.map((c) => `${c.en[0] ?? c.zh[0]} (${c.region})`).join(' or ')}; region not set`,
      );
    }
    return {
      deliveryPlace: {
        value: { name: first.match.text.slice(0, 100), ...(region !== undefined ? { region } : {}) },
        confidence,
        source: sourceOf(ctx, first.match.start, first.match.end),
      },
    };
  }
  // A place the gazetteer does not know, after a delivery word: jieba tags place names (ns) in
  // Chinese; in English a capitalised name is taken.
  const unknown = UNKNOWN_RE.exec(ctx.text);
  if (unknown) {
    const after = unknown[1]!;
    const afterStart = unknown.index + unknown[0].length - after.length;
    let name: string | undefined;
    if (/[\u4e00-\u9fff]/.test(after[0]!)) {
      const words = segmenter.tag(after);
      let i = words.findIndex((w) => w.tag === 'ns');
      // 江西赣州: the last of the run of place names is the most precise.
      while (i >= 0 && words[i + 1]?.tag === 'ns') i++;
      name = i >= 0 ? words[i]!.word : undefined;
    } else if (!NOT_A_PLACE_RE.test(after)) {
      name = after;
    }
    if (name !== undefined) {
      const at = ctx.text.indexOf(name, afterStart);
      return {
        deliveryPlace: {
          value: { name: name.slice(0, 100) },
          confidence: 0.5,
          source: at >= 0 ? sourceOf(ctx, at, at + name.length) : name,
        },
      };
    }
  }
  return {};
}

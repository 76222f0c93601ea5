/**
 * Which language a need is written in: `zh-Hans`, `zh-Hant`, `en`, or `mixed` (Chinese with English
 * prose, not just codes such as `CNC` or `ISO9001`).
 *
 * Rule: no Han characters → `en`. Otherwise, two or more English words (three letters or more, with a
 * lower-case letter; unit and standard abbreviations such as `pcs` or `RoHS` are codes, not words) → `mixed`. Otherwise Traditional when the Traditional → Simplified step changed at
 * least two Han characters, or one in a short text (under 20 Han), else Simplified.
 */
import { englishWords, type NormalizedText } from '../text/index.js';
import type { NeedLanguage } from './context.js';

// Abbreviations Chinese buyers write among Chinese words: units and standards, not English prose.
const CODE_WORDS: ReadonlySet<string> = new Set(['pcs', 'pce', 'pces', 'qty', 'rohs', 'kgs', 'nos', 'mpa']);

export function detectLanguage(original: string, normalized: NormalizedText): NeedLanguage {
  if (normalized.han === 0) return 'en';
  if (englishWords(original).filter((w) => !CODE_WORDS.has(w.toLowerCase())).length >= 2) return 'mixed';
  const trad = normalized.changedHan >= 2 || (normalized.changedHan === 1 && normalized.han < 20);
  return trad ? 'zh-Hant' : 'zh-Hans';
}

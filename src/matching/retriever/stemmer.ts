/**
 * English stemmers.
 *
 * `porter2` is the Snowball English ("Porter2") algorithm of M. Porter,
 * https://snowballstem.org/algorithms/english/stemmer.html, written out step by step below.
 * `sStem` is Harman's S-stemmer (plural endings only), "How effective is suffixing?", JASIS 1991.
 * Both take a lower-case word of letters a–z; anything else is returned unchanged.
 */

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const isV = (c: string | undefined): boolean => c !== undefined && VOWELS.has(c);

const EXCEPTIONS: Record<string, string> = {
  skis: 'ski',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  idly: 'idl',
  gently: 'gentl',
  ugly: 'ugli',
  early: 'earli',
  only: 'onli',
  singly: 'singl',
  sky: 'sky',
  news: 'news',
  howe: 'howe',
  atlas: 'atlas',
  cosmos: 'cosmos',
  bias: 'bias',
  andes: 'andes',
};
const AFTER_1A = new Set([
  'inning',
  'outing',
  'canning',
  'herring',
  'earring',
  'proceed',
  'exceed',
  'succeed',
]);
const DOUBLES = new Set(['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt']);
const LI_ENDING = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

const STEP2: Array<[string, string]> = [
  ['ization', 'ize'],
  ['ational', 'ate'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['iveness', 'ive'],
  ['tional', 'tion'],
  ['biliti', 'ble'],
  ['lessli', 'less'],
  ['entli', 'ent'],
  ['ation', 'ate'],
  ['alism', 'al'],
  ['aliti', 'al'],
  ['ousli', 'ous'],
  ['iviti', 'ive'],
  ['fulli', 'ful'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['abli', 'able'],
  ['izer', 'ize'],
  ['ator', 'ate'],
  ['alli', 'al'],
  ['bli', 'ble'],
  ['ogi', 'og'],
  ['li', ''],
];
const STEP3: Array<[string, string]> = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['alize', 'al'],
  ['icate', 'ic'],
  ['iciti', 'ic'],
  ['ative', ''],
  ['ical', 'ic'],
  ['ness', ''],
  ['ful', ''],
];
const STEP4 = [
  'ement',
  'ance',
  'ence',
  'able',
  'ible',
  'ment',
  'ant',
  'ent',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
  'ion',
  'al',
  'er',
  'ic',
];

/** Start of the region after the first non-vowel that follows a vowel, from `from`. */
function regionAfter(w: string, from: number): number {
  for (let i = from + 1; i < w.length; i++) if (!isV(w[i]) && isV(w[i - 1])) return i + 1;
  return w.length;
}

/** Whether w[0..end) ends in a short syllable. */
function endsShort(w: string, end: number): boolean {
  if (end === 2) return isV(w[0]) && !isV(w[1]);
  if (end < 3) return false;
  const a = w[end - 3];
  const b = w[end - 2];
  const c = w[end - 1]!;
  return !isV(a) && isV(b) && !isV(c) && c !== 'w' && c !== 'x' && c !== 'Y';
}

/** The Snowball English (Porter2) stem of a lower-case word. */
export function porter2(word: string): string {
  if (word.length <= 2 || !/^[a-z']+$/.test(word)) return word;
  const ex = EXCEPTIONS[word];
  if (ex !== undefined) return ex;
  let w = word.startsWith("'") ? word.slice(1) : word;
  if (w.startsWith('y')) w = `Y${w.slice(1)}`;
  w = w.replace(/([aeiouy])y/g, '$1Y');

  // R1 and R2 are fixed on the word as it starts: the steps below only rewrite suffixes.
  const pre = /^(gener|commun|arsen)/.exec(w);
  const r1 = pre ? pre[0].length : regionAfter(w, 0);
  const r2 = regionAfter(w, r1);

  // Step 0
  if (w.endsWith("'s'")) w = w.slice(0, -3);
  else if (w.endsWith("'s")) w = w.slice(0, -2);
  else if (w.endsWith("'")) w = w.slice(0, -1);

  // Step 1a
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ied') || w.endsWith('ies')) w = w.length > 4 ? w.slice(0, -2) : w.slice(0, -1);
  else if (w.endsWith('us') || w.endsWith('ss')) {
    // unchanged
  } else if (w.endsWith('s')) {
    const stem = w.slice(0, -2);
    if (/[aeiouy]/.test(stem)) w = w.slice(0, -1);
  }
  if (AFTER_1A.has(w)) return w;

  const R1 = () => r1;
  const R2 = () => r2;

  // Step 1b
  const eed = /(eedly|eed)$/.exec(w);
  const ed = eed ? null : /(ingly|edly|ing|ed)$/.exec(w);
  if (eed) {
    if (eed.index >= R1()) w = `${w.slice(0, eed.index)}ee`;
  } else if (ed) {
    const stem = w.slice(0, ed.index);
    if (/[aeiouy]/.test(stem)) {
      w = stem;
      if (/(at|bl|iz)$/.test(w)) w += 'e';
      else if (DOUBLES.has(w.slice(-2))) w = w.slice(0, -1);
      else if (R1() >= w.length && endsShort(w, w.length)) w += 'e';
    }
  }

  // Step 1c
  if (w.length > 2 && (w.endsWith('y') || w.endsWith('Y')) && !isV(w[w.length - 2])) {
    w = `${w.slice(0, -1)}i`;
  }

  // Step 2
  for (const [suf, rep] of STEP2) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at >= R1()) {
      if (suf === 'ogi') {
        if (w[at - 1] === 'l') w = w.slice(0, at) + rep;
      } else if (suf === 'li') {
        if (LI_ENDING.has(w[at - 1] ?? '')) w = w.slice(0, at);
      } else w = w.slice(0, at) + rep;
    }
    break;
  }

  // Step 3
  for (const [suf, rep] of STEP3) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at >= R1()) {
      if (suf === 'ative') {
        if (at >= R2()) w = w.slice(0, at);
      } else w = w.slice(0, at) + rep;
    }
    break;
  }

  // Step 4
  for (const suf of STEP4) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at >= R2()) {
      if (suf === 'ion') {
        if (w[at - 1] === 's' || w[at - 1] === 't') w = w.slice(0, at);
      } else w = w.slice(0, at);
    }
    break;
  }

  // Step 5
  if (w.endsWith('e')) {
    const at = w.length - 1;
    if (at >= R2() || (at >= R1() && !endsShort(w, at))) w = w.slice(0, at);
  } else if (w.endsWith('ll') && w.length - 1 >= R2()) {
    w = w.slice(0, -1);
  }
  return w.replace(/Y/g, 'y');
}

/** Harman's S-stemmer: ies → y, es → e, s → (nothing), with its exceptions. */
export function sStem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  if (word.endsWith('ies') && !word.endsWith('eies') && !word.endsWith('aies'))
    return `${word.slice(0, -3)}y`;
  if (word.endsWith('es') && !/(aes|ees|oes)$/.test(word)) return word.slice(0, -1);
  if (word.endsWith('s') && !/(us|ss)$/.test(word)) return word.slice(0, -1);
  return word;
}

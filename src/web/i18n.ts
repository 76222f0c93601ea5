/**
 * Languages of the dashboard: English, 简体中文 and 繁體中文. Every word the UI shows comes from one
 * table (strings.ts) through `t(key, params)`; numbers, money, dates and lists go through Intl with
 * the chosen locale. The choice is remembered in localStorage; the first visit follows the browser.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { type MsgKey, STRINGS } from './strings.js';

export type Lang = 'en' | 'zh-Hans' | 'zh-Hant';
export const LANGS: readonly Lang[] = ['zh-Hans', 'zh-Hant', 'en'];
/** Each language's name in itself, for the switcher. */
export const LANG_NAMES: Record<Lang, string> = {
  en: 'English',
  'zh-Hans': '简体中文',
  'zh-Hant': '繁體中文',
};
const COLUMN: Record<Lang, 0 | 1 | 2> = { en: 0, 'zh-Hans': 1, 'zh-Hant': 2 };
const LOCALE: Record<Lang, string> = { en: 'en', 'zh-Hans': 'zh-Hans-CN', 'zh-Hant': 'zh-Hant-TW' };
const STORAGE_KEY = 'weft.lang';

export type Params = Record<string, string | number>;

export interface I18n {
  lang: Lang;
  t(key: MsgKey, params?: Params): string;
  /** A key built at run time (a reason code, a category id): its text, or undefined when the table has none. */
  tMaybe(key: string, params?: Params): string | undefined;
  fmt: Formatters;
  setLang(lang: Lang): void;
}

export interface Formatters {
  number(n: number, digits?: number): string;
  percent(x: number): string;
  money(amount: string | number, currency: string): string;
  date(v: number | string): string;
  dateTime(v: number): string;
  time(v: number): string;
  relative(ms: number, now?: number): string;
  list(items: string[]): string;
}

export function isLang(s: unknown): s is Lang {
  return s === 'en' || s === 'zh-Hans' || s === 'zh-Hant';
}

/** The remembered language, else the browser's preference (Taiwan, Hong Kong, Macau: Traditional). */
export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    // Storage may be disabled; fall through to the browser's languages.
  }
  for (const l of navigator.languages ?? [navigator.language]) {
    const v = l.toLowerCase();
    if (v.startsWith('zh')) return /hant|tw|hk|mo/.test(v) ? 'zh-Hant' : 'zh-Hans';
    if (v.startsWith('en')) return 'en';
  }
  return 'en';
}

export function rememberLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered: the choice still holds for this page.
  }
}

function fill(s: string, params?: Params, fmtNumber?: (n: number) => string): string {
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, k: string) => {
    const v = params[k];
    if (v === undefined) return m;
    return typeof v === 'number' && fmtNumber ? fmtNumber(v) : String(v);
  });
}

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const locale = LOCALE[lang];
  const col = COLUMN[lang];
  const nf = new Intl.NumberFormat(locale);
  const pf = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
  const tf = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const lf = new Intl.ListFormat(locale, { style: 'short', type: 'conjunction' });
  const number = (n: number, digits?: number) =>
    digits === undefined
      ? nf.format(n)
      : new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
  const fmt: Formatters = {
    number,
    percent: (x) => pf.format(x),
    money: (amount, currency) => {
      const n = typeof amount === 'number' ? amount : Number.parseFloat(amount);
      if (!Number.isFinite(n)) return `${amount} ${currency}`;
      try {
        return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n);
      } catch {
        return `${number(n, 2)} ${currency}`;
      }
    },
    date: (v) => {
      const d =
        typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T00:00:00`) : new Date(v);
      return Number.isNaN(d.getTime()) ? String(v) : df.format(d);
    },
    dateTime: (v) => dtf.format(new Date(v)),
    time: (v) => tf.format(new Date(v)),
    relative: (ms, now = Date.now()) => {
      const s = Math.round((ms - now) / 1000);
      const a = Math.abs(s);
      if (a < 60) return rtf.format(s, 'second');
      if (a < 3600) return rtf.format(Math.round(s / 60), 'minute');
      if (a < 86_400) return rtf.format(Math.round(s / 3600), 'hour');
      return rtf.format(Math.round(s / 86_400), 'day');
    },
    list: (items) => lf.format(items),
  };
  const t = (key: MsgKey, params?: Params) => fill(STRINGS[key][col], params, number);
  return {
    lang,
    t,
    tMaybe: (key, params) => {
      const row = (STRINGS as Record<string, readonly [string, string, string]>)[key];
      return row ? fill(row[col], params, number) : undefined;
    },
    fmt,
    setLang,
  };
}

export const I18nContext = createContext<I18n>(makeI18n('en', () => undefined));

export function useI18n(): I18n {
  return useContext(I18nContext);
}

/**
 * Building blocks every page uses, so loading, empty, error and "not available on this node yet"
 * look and sound the same everywhere.
 */
import type { ComponentChildren, JSX } from 'preact';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Loaded, StreamStatus } from './api.js';
import { isLang, LANG_NAMES, LANGS, useI18n } from './i18n.js';
import type { MsgKey } from './strings.js';

export function PageHeader(props: { title: string; intro?: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <div>
        <h1 id="page-title" tabIndex={-1}>
          {props.title}
        </h1>
        {props.intro && <p class="intro">{props.intro}</p>}
      </div>
      {props.children && <div class="page-actions">{props.children}</div>}
    </div>
  );
}

export function Section(props: {
  title: string;
  id?: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  class?: string;
}) {
  const id = props.id ?? `s-${props.title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <section class={`card ${props.class ?? ''}`} aria-labelledby={id}>
      <div class="card-head">
        <h2 id={id}>{props.title}</h2>
        {props.actions && <div class="card-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function Loading(props: { label?: string }) {
  const { t } = useI18n();
  return (
    <div class="state loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? t('state.loading')}
    </div>
  );
}

export function Empty(props: { children: ComponentChildren }) {
  return <div class="state empty">{props.children}</div>;
}

/** What a page shows where the node answers 404 for an endpoint it does not serve yet. */
export function Unavailable(props: { what: MsgKey }) {
  const { t } = useI18n();
  return (
    <div class="state unavailable" data-state="unavailable">
      <strong>{t('state.unavailable.title')}</strong>
      <span>{t('state.unavailable.body', { what: t(props.what) })}</span>
    </div>
  );
}

export function ErrorBox(props: { error: Error | undefined; retry?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="state error" role="alert">
      <strong>{t('state.error')}</strong>
      <span>{props.error?.message ?? ''}</span>
      {props.retry && (
        <button type="button" class="btn small" onClick={props.retry}>
          {t('action.retry')}
        </button>
      )}
    </div>
  );
}

/**
 * Renders `children(data)` once loaded, and the shared states otherwise. `isEmpty` decides when the
 * data is "nothing yet" (then `empty` shows).
 */
export function Async<T>(props: {
  loaded: Loaded<T>;
  what: MsgKey;
  isEmpty?: (data: T) => boolean;
  empty?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}): JSX.Element {
  const { loaded } = props;
  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'unavailable') return <Unavailable what={props.what} />;
  if (loaded.status === 'error' || loaded.data === undefined)
    return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  const data = loaded.data;
  if (props.isEmpty?.(data)) return <Empty>{props.empty}</Empty>;
  return (
    <>
      {loaded.error && <ErrorBox error={loaded.error} retry={loaded.reload} />}
      {props.children(data)}
    </>
  );
}

/** A 0..1 value as a bar with its percentage, named for assistive technology. */
export function Meter(props: { value: number; label: string }) {
  const { fmt } = useI18n();
  const v = Math.max(0, Math.min(1, props.value));
  return (
    <span class="meter-wrap">
      <meter
        class="meter"
        min={0}
        max={1}
        low={0.45}
        high={0.75}
        optimum={1}
        value={v}
        aria-label={props.label}
      />
      <span class="meter-text" aria-hidden="true">
        {fmt.percent(v)}
      </span>
    </span>
  );
}

export function Badge(props: {
  tone?: 'good' | 'warn' | 'bad' | 'info' | 'neutral';
  children: ComponentChildren;
}) {
  return <span class={`badge ${props.tone ?? 'neutral'}`}>{props.children}</span>;
}

/** A long identifier, shortened, with the whole of it in a tooltip and for screen readers. */
export function Id(props: { value: string; keep?: number }) {
  const keep = props.keep ?? 10;
  const short =
    props.value.length > keep * 2 + 1
      ? `${props.value.slice(0, keep)}…${props.value.slice(-4)}`
      : props.value;
  return (
    <code class="id" title={props.value}>
      {short}
    </code>
  );
}

export function LiveIndicator(props: { status: StreamStatus }) {
  const { t } = useI18n();
  const key: Record<StreamStatus, MsgKey> = {
    live: 'live.live',
    connecting: 'live.connecting',
    retrying: 'live.retrying',
    unavailable: 'live.polling',
  };
  return (
    <span class={`live ${props.status}`} data-live={props.status}>
      <span class="dot" aria-hidden="true" />
      {t(key[props.status])}
    </span>
  );
}

export function Spinner() {
  return <span class="spinner small" aria-hidden="true" />;
}

/** Names of other nodes (subscriber id → company name), from trusted peers and the directory. */
export const NamesContext = createContext<(id: string) => string | undefined>(() => undefined);

export function Party(props: { id: string }) {
  const { t } = useI18n();
  const name = props.id === '*' ? t('party.everyone') : useContext(NamesContext)(props.id);
  return name ? (
    <span class="party" title={props.id}>
      {name}
    </span>
  ) : (
    <Id value={props.id} />
  );
}

/** A horizontally scrollable box (wide tables, the heat map), reachable and scrollable with the keyboard. */
export function Scroll(props: { label: string; class?: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to scroll by keyboard (WCAG 2.1.1).
    <section class={props.class ?? 'table-scroll'} tabIndex={0} aria-label={props.label}>
      {props.children}
    </section>
  );
}

/**
 * A data table in a keyboard-scrollable region: `label` names both (a caption for screen readers),
 * `cols` are the column headings, `row` gives one item's cells.
 */
export function Table<T>(props: {
  label: string;
  cols: string[];
  rows: readonly T[];
  rowKey: (item: T) => string | number;
  row: (item: T) => ComponentChildren;
  compact?: boolean;
}) {
  return (
    <Scroll label={props.label}>
      <table class={props.compact ? 'table compact' : 'table'}>
        <caption class="sr-only">{props.label}</caption>
        <thead>
          <tr>
            {props.cols.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)}>{props.row(r)}</tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

export function Dl(props: { rows: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="dl">
      {props.rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The language switcher (remembered). */
export function LangSelect() {
  const { t, lang, setLang } = useI18n();
  return (
    <label class="lang">
      <span class="sr-only">{t('settings.language')}</span>
      <select
        value={lang}
        onChange={(e) => {
          const v = (e.currentTarget as HTMLSelectElement).value;
          if (isLang(v)) setLang(v);
        }}
      >
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {LANG_NAMES[l]}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * Needs (buyer): write a need in Chinese or English, see what the node understood (each field with
 * its confidence, editable), send it to the network, and watch offers arrive, ranked with reasons;
 * order one (select → init → confirm, with progress).
 */
import { useMemo, useState } from 'preact/hooks';
import type { DealWithData, NeedSpec, RankedOffer } from '../../api/contract.js';
import { client, isUnavailable, useLiveLoad } from '../api.js';
import { type CatalogOffer, needText, ORDER_PHASES, offersOfCatalog } from '../beckn.js';
import { useI18n } from '../i18n.js';
import { useNode } from '../node-context.js';
import { pathOf, useRouter } from '../router.js';
import { applyEdits, CODECS, FIELD_ORDER, type FieldName, formatField } from '../spec-fields.js';
import type { MsgKey } from '../strings.js';
import {
  Async,
  Badge,
  ErrorBox,
  Id,
  LiveIndicator,
  Meter,
  PageHeader,
  Party,
  Section,
  Spinner,
} from '../ui.js';
import { Reasons } from './reasons.js';

export function NeedsPage() {
  const { t } = useI18n();
  const { route } = useRouter();
  const tx = route.params[0];
  return (
    <>
      <PageHeader title={t('needs.title')} intro={t('needs.intro')} />
      <div class="grid two wide-right">
        <Composer />
        {tx ? (
          <Offers tx={tx} key={tx} />
        ) : (
          <Section title={t('needs.offers')}>
            <p class="muted">{t('needs.offers.none')}</p>
          </Section>
        )}
      </div>
      <RecentNeeds current={tx} />
    </>
  );
}

type ParseState =
  | { s: 'idle' }
  | { s: 'parsing' }
  | { s: 'parsed'; spec: NeedSpec }
  | { s: 'unavailable' }
  | { s: 'error'; error: Error };

function Composer() {
  const { t, lang } = useI18n();
  const { navigate } = useRouter();
  const [text, setText] = useState('');
  const [parse, setParse] = useState<ParseState>({ s: 'idle' });
  const [edits, setEdits] = useState<Partial<Record<FieldName, string>>>({});
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<Error | undefined>();

  const understand = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return;
    setParse({ s: 'parsing' });
    setEdits({});
    setErrors({});
    try {
      const r = await client.parseNeed(text.trim());
      setParse({ s: 'parsed', spec: r.spec });
    } catch (err) {
      setParse(isUnavailable(err) ? { s: 'unavailable' } : { s: 'error', error: err as Error });
    }
  };

  const send = async () => {
    setSending(true);
    setSendError(undefined);
    try {
      let transactionId: string;
      if (parse.s === 'parsed') {
        const r = applyEdits(parse.spec, edits);
        if ('errors' in r) {
          setErrors(r.errors);
          setSending(false);
          return;
        }
        try {
          transactionId = (await client.sendNeed({ text: text.trim(), spec: r.spec })).transactionId;
        } catch (err) {
          if (!isUnavailable(err)) throw err;
          transactionId = (await client.search(searchOf(text.trim(), r.spec))).transactionId;
        }
      } else {
        transactionId = (await client.search({ text: text.trim() })).transactionId;
      }
      navigate(pathOf('needs', transactionId));
    } catch (err) {
      setSendError(err as Error);
    } finally {
      setSending(false);
    }
  };

  const examples: MsgKey[] =
    lang === 'en' ? ['needs.example.en', 'needs.example.zh'] : ['needs.example.zh', 'needs.example.en'];
  return (
    <Section title={t('needs.write')}>
      <form onSubmit={understand} class="stack">
        <label for="need-text">{t('needs.text')}</label>
        <textarea
          id="need-text"
          rows={4}
          maxLength={4000}
          value={text}
          aria-describedby="need-help"
          onInput={(e) => {
            setText((e.currentTarget as HTMLTextAreaElement).value);
            if (parse.s !== 'idle' && parse.s !== 'parsing') setParse({ s: 'idle' });
          }}
        />
        <p id="need-help" class="help">
          {t('needs.text.help')}
        </p>
        <div class="row wrap">
          <span class="muted">{t('needs.examples')}</span>
          {examples.map((k) => (
            <button
              key={k}
              type="button"
              class="btn small ghost"
              onClick={() => {
                setText(t(k));
                setParse({ s: 'idle' });
              }}
            >
              {t(k).slice(0, 18)}…
            </button>
          ))}
        </div>
        <div class="row">
          <button type="submit" class="btn primary" disabled={!text.trim() || parse.s === 'parsing'}>
            {parse.s === 'parsing' && <Spinner />}
            {t('needs.understand')}
          </button>
        </div>
      </form>

      {parse.s === 'parsing' && (
        <p role="status" class="muted">
          {t('needs.parsing')}
        </p>
      )}
      {parse.s === 'error' && <ErrorBox error={parse.error} />}
      {parse.s === 'unavailable' && (
        <div class="state unavailable" data-state="unavailable">
          <strong>{t('state.unavailable.title')}</strong>
          <span>{t('needs.parse.unavailable')}</span>
        </div>
      )}
      {parse.s === 'parsed' && (
        <SpecEditor
          spec={parse.spec}
          edits={edits}
          errors={errors}
          onEdit={(f, v) => setEdits({ ...edits, [f]: v })}
        />
      )}
      {(parse.s === 'parsed' || parse.s === 'unavailable') && (
        <div class="row">
          <button type="button" class="btn primary" onClick={() => void send()} disabled={sending}>
            {sending && <Spinner />}
            {t(parse.s === 'parsed' ? 'needs.send' : 'needs.sendText')}
          </button>
        </div>
      )}
      {sendError && <ErrorBox error={sendError} />}
    </Section>
  );
}

/** The plain search the node served before need parsing: the text, the first category and the quantity. */
function searchOf(text: string, spec: NeedSpec) {
  const cat = spec.fields.categories?.value[0] ?? spec.fields.process?.value;
  const q = spec.fields.quantity?.value;
  return {
    text,
    ...(cat ? { category: cat } : {}),
    ...(q && Number.isInteger(q.value) ? { quantity: q.value } : {}),
  };
}

function SpecEditor(props: {
  spec: NeedSpec;
  edits: Partial<Record<FieldName, string>>;
  errors: Partial<Record<FieldName, string>>;
  onEdit: (f: FieldName, v: string) => void;
}) {
  const { t } = useI18n();
  const { spec } = props;
  return (
    <div class="spec">
      <h3>{t('needs.understood')}</h3>
      <p class="muted small">{t('needs.parser', { parser: spec.parser, language: spec.language })}</p>
      {spec.warnings.length > 0 && (
        <ul class="warnings">
          {spec.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <table class="table spec-table">
        <caption class="sr-only">{t('needs.understood')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('needs.field')}</th>
            <th scope="col">{t('needs.value')}</th>
            <th scope="col">{t('needs.confidence')}</th>
          </tr>
        </thead>
        <tbody>
          {FIELD_ORDER.map((name) => {
            const f = spec.fields[name] as
              | { value: unknown; confidence: number; source?: string }
              | undefined;
            const original = f ? formatField(name, f.value as never) : '';
            const value = props.edits[name] ?? original;
            const edited = props.edits[name] !== undefined && props.edits[name] !== original;
            const id = `field-${name}`;
            const err = props.errors[name];
            return (
              <tr key={name}>
                <th scope="row">
                  <label for={id}>{t(`field.${name}` as MsgKey)}</label>
                </th>
                <td>
                  <input
                    id={id}
                    type={CODECS[name].input}
                    value={value}
                    placeholder={t('needs.notFound')}
                    aria-invalid={err ? 'true' : undefined}
                    aria-describedby={err ? `${id}-err` : f?.source ? `${id}-src` : undefined}
                    onInput={(e) => props.onEdit(name, (e.currentTarget as HTMLInputElement).value)}
                  />
                  {err && (
                    <span id={`${id}-err`} class="field-error">
                      {t(`field.error.${err}` as MsgKey)}
                    </span>
                  )}
                  {!err && f?.source && f.source !== 'edited' && (
                    <span id={`${id}-src`} class="help">
                      {t('needs.from', { source: f.source })}
                    </span>
                  )}
                </td>
                <td>
                  {edited ? (
                    <Badge tone="info">{t('needs.edited')}</Badge>
                  ) : f ? (
                    <Meter
                      value={f.confidence}
                      label={t('needs.confidenceOf', { field: t(`field.${name}` as MsgKey) })}
                    />
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Offers(props: { tx: string }) {
  const { t, fmt } = useI18n();
  const ranked = useLiveLoad(
    () => client.offers(props.tx),
    [props.tx],
    ['offer'],
    700,
    (e) => e.type === 'offer' && e.transactionId === props.tx,
  );
  const txView = useLiveLoad(
    () => client.transaction(props.tx),
    [props.tx],
    ['deal'],
    700,
    (e) => e.type === 'deal' && e.transactionId === props.tx,
  );
  const deals = (txView.data?.deals ?? []) as DealWithData[];
  const ordered = deals.find((d) => ORDER_PHASES.includes(d.state) && d.counterparty !== '*');
  const text = deals.map(needText).find((x) => x);
  const [busy, setBusy] = useState<string | undefined>();

  const fallback: CatalogOffer[] = useMemo(
    () =>
      deals
        .flatMap((d) => offersOfCatalog(d.data.catalog, d.counterparty))
        .sort((a, b) => Number(a.price ?? Infinity) - Number(b.price ?? Infinity)),
    [txView.data],
  );

  const head = (
    <div class="need-head">
      <p>
        <span class="muted">{t('needs.need')} </span>
        <Id value={props.tx} keep={8} />
        {text && <span class="need-text">“{text}”</span>}
      </p>
      {ordered && (
        <p class="notice" role="status">
          {t('needs.ordered')} <Party id={ordered.counterparty} />{' '}
          <a href={pathOf('orders', props.tx)}>{t('needs.seeOrder')}</a>
        </p>
      )}
    </div>
  );

  if (ranked.status === 'unavailable') {
    return (
      <Section title={t('needs.offers')} actions={<LiveIndicator status={txView.live} />}>
        {head}
        <p class="muted small">{t('needs.ranking.unavailable')}</p>
        <Async
          loaded={txView}
          what="feature.offers"
          isEmpty={() => fallback.length === 0}
          empty={
            <span role="status">
              <Spinner /> {t('needs.waiting')}
            </span>
          }
        >
          {() => (
            <ol class="offers" aria-label={t('needs.offers')}>
              {fallback.map((o, i) => (
                <li key={`${o.supplier}/${o.itemId}`} class="offer">
                  <div class="offer-main">
                    <span class="rank">
                      <span class="sr-only">{t('needs.rank', { n: i + 1 })}</span>
                      <span aria-hidden="true">{fmt.number(i + 1)}</span>
                    </span>
                    <div>
                      <div class="offer-title">
                        <Party id={o.supplier} /> · {o.name}
                      </div>
                      <div class="offer-facts">
                        {o.price && (
                          <span>{t('offer.unitPrice', { price: fmt.money(o.price, o.currency) })}</span>
                        )}
                        {o.leadTimeDays !== undefined && (
                          <span>{t('offer.leadTime', { days: o.leadTimeDays })}</span>
                        )}
                      </div>
                    </div>
                  </div>
                  <OrderButton
                    tx={props.tx}
                    supplier={o.supplier}
                    itemId={o.itemId}
                    quantity={1}
                    disabled={!!ordered || (busy !== undefined && busy !== o.supplier)}
                    onBusy={(b) => setBusy(b ? o.supplier : undefined)}
                    onDone={txView.reload}
                  />
                </li>
              ))}
            </ol>
          )}
        </Async>
      </Section>
    );
  }

  return (
    <Section title={t('needs.offers')} actions={<LiveIndicator status={ranked.live} />}>
      {head}
      <Async
        loaded={ranked}
        what="feature.offers"
        isEmpty={(d) => d.offers.length === 0}
        empty={
          ranked.data?.open === false ? (
            t('needs.noOffers')
          ) : (
            <span role="status">
              <Spinner /> {t('needs.waiting')}
            </span>
          )
        }
      >
        {(d) => (
          <>
            <p class="muted small" role="status">
              {t('needs.offerCount', { n: d.offers.length })}
              {d.open ? ` · ${t('needs.stillOpen')}` : ''}
            </p>
            <ol class="offers" aria-label={t('needs.offers')}>
              {d.offers.map((o) => (
                <OfferCard
                  key={o.offerId}
                  offer={o}
                  tx={props.tx}
                  quantity={o.quantity ?? d.spec?.fields.quantity?.value.value ?? 1}
                  disabled={!!ordered || (busy !== undefined && busy !== o.offerId)}
                  onBusy={(b) => setBusy(b ? o.offerId : undefined)}
                  onDone={txView.reload}
                />
              ))}
            </ol>
          </>
        )}
      </Async>
    </Section>
  );
}

function OfferCard(props: {
  offer: RankedOffer;
  tx: string;
  quantity: number;
  disabled: boolean;
  onBusy: (b: boolean) => void;
  onDone: () => void;
}) {
  const { t, fmt } = useI18n();
  const o = props.offer;
  return (
    <li class="offer">
      <div class="offer-main">
        <span class="rank">
          <span class="sr-only">{t('needs.rank', { n: o.rank })}</span>
          <span aria-hidden="true">{fmt.number(o.rank)}</span>
        </span>
        <div class="grow">
          <div class="offer-title">
            <span>{o.supplierName ?? <Party id={o.supplier} />}</span> · {o.itemName}
          </div>
          <div class="offer-facts">
            {o.total && <span>{t('offer.total', { price: fmt.money(o.total, o.currency) })}</span>}
            {o.unitPrice && (
              <span>{t('offer.unitPrice', { price: fmt.money(o.unitPrice, o.currency) })}</span>
            )}
            {o.leadTimeDays !== undefined && <span>{t('offer.leadTime', { days: o.leadTimeDays })}</span>}
            {o.deliveryDate && <span>{t('offer.delivery', { date: fmt.date(o.deliveryDate) })}</span>}
          </div>
          <div class="offer-scores">
            <span>{t('offer.fit')}</span>
            <Meter value={o.fit} label={t('offer.fitOf', { supplier: o.supplierName ?? o.supplier })} />
            <span>{t('offer.score')}</span>
            <Meter value={o.score} label={t('offer.scoreOf', { supplier: o.supplierName ?? o.supplier })} />
          </div>
          <Reasons reasons={o.reasons} />
        </div>
      </div>
      <OrderButton
        tx={props.tx}
        supplier={o.supplier}
        itemId={o.itemId}
        quantity={props.quantity}
        disabled={props.disabled}
        onBusy={props.onBusy}
        onDone={props.onDone}
      />
    </li>
  );
}

const ORDER_STEPS = [
  { action: 'select', callback: 'on_select', key: 'order.step.select' },
  { action: 'init', callback: 'on_init', key: 'order.step.init' },
  { action: 'confirm', callback: 'on_confirm', key: 'order.step.confirm' },
] as const;

/** Orders one offer: select (quote) → init (billing) → confirm, each waiting for the supplier's answer. */
function OrderButton(props: {
  tx: string;
  supplier: string;
  itemId: string;
  quantity: number;
  disabled: boolean;
  onBusy: (b: boolean) => void;
  onDone: () => void;
}) {
  const { t, fmt } = useI18n();
  const node = useNode();
  const [qty, setQty] = useState(String(Math.max(1, Math.round(props.quantity))));
  const [step, setStep] = useState(-1);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const qid = `qty-${props.supplier}-${props.itemId}`.replace(/[^\w-]/g, '_');
  const running = step >= 0 && !done && !error;

  const order = async () => {
    const quantity = Number.parseInt(qty, 10);
    if (!Number.isInteger(quantity) || quantity < 1) {
      setError(t('field.error.quantity'));
      return;
    }
    setError(undefined);
    props.onBusy(true);
    try {
      for (const [i, s] of ORDER_STEPS.entries()) {
        setStep(i);
        const r = await client.step(props.tx, s.action, {
          supplier: props.supplier,
          waitMs: 15_000,
          ...(s.action === 'select' ? { items: [{ id: props.itemId, quantity }] } : {}),
          ...(s.action === 'init' ? { billing: { name: node?.profile.name ?? 'buyer' } } : {}),
        });
        if (!r.callback) throw new Error(t('order.noAnswer', { action: s.callback }));
        if (r.callback.error) throw new Error(`${r.callback.error.code}: ${r.callback.error.message}`);
      }
      setDone(true);
      props.onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      props.onBusy(false);
    }
  };

  if (done) {
    return (
      <div class="order-box" role="status">
        <Badge tone="good">{t('order.placed')}</Badge>{' '}
        <a href={pathOf('orders', props.tx)}>{t('needs.seeOrder')}</a>
      </div>
    );
  }
  return (
    <div class="order-box">
      <div class="row">
        <label for={qid} class="small">
          {t('order.quantity')}
        </label>
        <input
          id={qid}
          class="qty"
          type="number"
          min={1}
          inputMode="numeric"
          value={qty}
          disabled={running}
          onInput={(e) => setQty((e.currentTarget as HTMLInputElement).value)}
        />
        <button
          type="button"
          class="btn primary"
          disabled={props.disabled || running}
          onClick={() => void order()}
        >
          {running && <Spinner />}
          {t('order.place')}
        </button>
      </div>
      {step >= 0 && (
        <div class="order-progress" role="status">
          <progress
            max={ORDER_STEPS.length}
            value={done ? ORDER_STEPS.length : step}
            aria-label={t('order.progress')}
          />
          <span class="small">
            {t('order.stepOf', { n: fmt.number(step + 1), total: ORDER_STEPS.length })}:{' '}
            {t(ORDER_STEPS[step]!.key)}
          </span>
        </div>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function RecentNeeds(props: { current: string | undefined }) {
  const { t, fmt } = useI18n();
  // Reloaded when a need is sent (the page moves to it) and on every deal event.
  const deals = useLiveLoad(() => client.transactions(200), [props.current], ['deal'], 5000);
  return (
    <Section title={t('needs.recent')}>
      <Async
        loaded={deals}
        what="feature.transactions"
        isEmpty={(d) => !d.deals.some((x) => x.role === 'buyer')}
        empty={t('needs.recent.empty')}
      >
        {(d) => {
          const byTx = new Map<string, DealWithData[]>();
          for (const x of d.deals)
            if (x.role === 'buyer') byTx.set(x.transactionId, [...(byTx.get(x.transactionId) ?? []), x]);
          const rows = [...byTx.entries()]
            .map(([tx, ds]) => ({
              tx,
              text: ds.map(needText).find((x) => x),
              offers: ds.filter((x) => x.data.catalog).length,
              ordered: ds.some((x) => ORDER_PHASES.includes(x.state) && x.counterparty !== '*'),
              at: Math.max(...ds.map((x) => x.updatedAt)),
            }))
            .sort((a, b) => b.at - a.at)
            .slice(0, 20);
          return (
            <table class="table">
              <caption class="sr-only">{t('needs.recent')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('needs.need')}</th>
                  <th scope="col">{t('needs.offers')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('common.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.tx} aria-current={r.tx === props.current ? 'true' : undefined}>
                    <td>
                      <a href={pathOf('needs', r.tx)}>{r.text ?? <Id value={r.tx} keep={8} />}</a>
                    </td>
                    <td>{fmt.number(r.offers)}</td>
                    <td>
                      {r.ordered ? (
                        <Badge tone="good">{t('needs.status.ordered')}</Badge>
                      ) : (
                        <Badge>{t('needs.status.open')}</Badge>
                      )}
                    </td>
                    <td>{fmt.relative(r.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Async>
    </Section>
  );
}

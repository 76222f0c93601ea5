/**
 * Orders: every deal past the quote, its timeline from the ledger (each signed message, both ways),
 * and its live progress from the supplier's machines.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import type { DealWithData, OrderProgress } from '../../api/contract.js';
import type { LedgerEntrySummary } from '../../api/schemas.js';
import { client, useLiveLoad } from '../api.js';
import {
  FULFILMENT_STEPS,
  fulfilmentStep,
  needText,
  ORDER_PHASES,
  orderIdOf,
  orderItems,
  quoteOf,
} from '../beckn.js';
import { useI18n } from '../i18n.js';
import { pathOf, useRouter } from '../router.js';
import type { MsgKey } from '../strings.js';
import { Async, Badge, Dl, ErrorBox, Id, LiveIndicator, PageHeader, Party, Section, Spinner } from '../ui.js';

export function OrdersPage() {
  const { t } = useI18n();
  const { route } = useRouter();
  const tx = route.params[0];
  return (
    <>
      <PageHeader title={t('orders.title')} intro={t('orders.intro')}>
        {tx && (
          <a class="btn ghost" href={pathOf('orders')}>
            {t('orders.all')}
          </a>
        )}
      </PageHeader>
      {tx ? <OrderDetail tx={tx} key={tx} /> : <OrderList />}
    </>
  );
}

const STATE_TONE: Record<string, 'good' | 'warn' | 'bad' | 'info' | 'neutral'> = {
  confirmed: 'info',
  completed: 'good',
  cancelled: 'bad',
  cancelling: 'warn',
};

export function StateBadge(props: { state: string }) {
  const { t, tMaybe } = useI18n();
  return (
    <Badge tone={STATE_TONE[props.state] ?? 'neutral'}>
      {tMaybe(`state.${props.state}`) ?? t('state.other', { state: props.state })}
    </Badge>
  );
}

function OrderList() {
  const { t, fmt } = useI18n();
  const deals = useLiveLoad(() => client.transactions(500), [], ['deal'], 3000);
  const orders = (d: { deals: DealWithData[] }) =>
    d.deals.filter((x) => x.counterparty !== '*' && ORDER_PHASES.includes(x.state));
  return (
    <Section title={t('orders.list')} actions={<LiveIndicator status={deals.live} />}>
      <Async
        loaded={deals}
        what="feature.transactions"
        isEmpty={(d) => orders(d).length === 0}
        empty={t('orders.empty')}
      >
        {(d) => (
          <table class="table">
            <caption class="sr-only">{t('orders.list')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('orders.order')}</th>
                <th scope="col">{t('orders.with')}</th>
                <th scope="col">{t('orders.role')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('orders.fulfilment')}</th>
                <th scope="col">{t('orders.total')}</th>
                <th scope="col">{t('common.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {orders(d).map((x) => {
                const q = quoteOf(x);
                return (
                  <tr key={`${x.transactionId}/${x.counterparty}`}>
                    <td>
                      <a href={pathOf('orders', x.transactionId)}>
                        {orderIdOf(x) ?? needText(x) ?? <Id value={x.transactionId} keep={8} />}
                      </a>
                    </td>
                    <td>
                      <Party id={x.counterparty} />
                    </td>
                    <td>{t(x.role === 'buyer' ? 'orders.asBuyer' : 'orders.asSupplier')}</td>
                    <td>
                      <StateBadge state={x.state} />
                    </td>
                    <td>{x.data.fulfillment ? <FulfilmentName code={x.data.fulfillment} /> : '—'}</td>
                    <td>{q ? fmt.money(q.value, q.currency) : '—'}</td>
                    <td>{fmt.relative(x.updatedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Async>
    </Section>
  );
}

function FulfilmentName(props: { code: string }) {
  const { tMaybe } = useI18n();
  return <>{tMaybe(`fulfil.${props.code}`) ?? props.code}</>;
}

function OrderDetail(props: { tx: string }) {
  const { t } = useI18n();
  const view = useLiveLoad(
    () => client.transaction(props.tx),
    [props.tx],
    ['deal', 'ledger'],
    2000,
    (e) =>
      e.type === 'deal'
        ? e.transactionId === props.tx
        : e.type === 'ledger' && e.entry.transactionId === props.tx,
  );
  return (
    <Async loaded={view} what="feature.transactions">
      {(v) => {
        const deals = (v.deals as DealWithData[]).filter((d) => d.counterparty !== '*');
        const orders = deals.filter((d) => ORDER_PHASES.includes(d.state));
        const others = deals.filter((d) => !ORDER_PHASES.includes(d.state));
        return (
          <>
            {orders.length === 0 && <p class="muted">{t('orders.noDeal')}</p>}
            {orders.map((d) => (
              <DealCard key={d.counterparty} deal={d} entries={v.entries} onChange={view.reload} />
            ))}
            {others.length > 0 && (
              <Section title={t('orders.others')}>
                <ul class="plain">
                  {others.map((d) => (
                    <li key={d.counterparty}>
                      <Party id={d.counterparty} /> <StateBadge state={d.state} />
                    </li>
                  ))}
                </ul>
              </Section>
            )}
          </>
        );
      }}
    </Async>
  );
}

function DealCard(props: { deal: DealWithData; entries: LedgerEntrySummary[]; onChange: () => void }) {
  const { t, fmt } = useI18n();
  const d = props.deal;
  const q = quoteOf(d);
  const items = orderItems(d);
  const entries = props.entries.filter((e) => e.counterparty === d.counterparty || e.counterparty === '*');
  return (
    <div class="grid two">
      <Section title={t('orders.deal')} actions={<StateBadge state={d.state} />}>
        <Dl
          rows={[
            [t('orders.with'), <Party key="p" id={d.counterparty} />],
            [t('orders.role'), t(d.role === 'buyer' ? 'orders.asBuyer' : 'orders.asSupplier')],
            [t('orders.transaction'), <Id key="t" value={d.transactionId} keep={12} />],
            [t('orders.order'), orderIdOf(d) ?? '—'],
            [
              t('orders.items'),
              items.length ? items.map((i) => `${i.id} × ${i.quantity ?? '?'}`).join(', ') : '—',
            ],
            [t('orders.total'), q ? fmt.money(q.value, q.currency) : '—'],
            [t('common.updated'), fmt.dateTime(d.updatedAt)],
          ]}
        />
        {d.data.error && (
          <p class="field-error">
            {d.data.error.code}: {d.data.error.message}
          </p>
        )}
        <Actions deal={d} onChange={props.onChange} />
      </Section>
      <Section title={t('orders.progress')}>
        <Steps current={d.data.fulfillment} state={d.state} />
        <Progress tx={d.transactionId} />
      </Section>
      <Section title={t('orders.timeline')} class="span-2">
        {entries.length === 0 ? (
          <p class="muted">{t('orders.timeline.empty')}</p>
        ) : (
          <ol class="timeline">
            {entries.map((e) => (
              <li key={e.seq} class={e.direction}>
                <time dateTime={new Date(e.recordedAt).toISOString()}>{fmt.dateTime(e.recordedAt)}</time>
                <Badge tone={e.direction === 'in' ? 'info' : 'neutral'}>
                  {t(e.direction === 'in' ? 'dir.in' : 'dir.out')}
                </Badge>
                <code class="action">{e.action}</code>
                <span class="muted small">
                  {t('ledger.seq')} {fmt.number(e.seq)} · <Id value={e.hash} keep={8} />
                </span>
              </li>
            ))}
          </ol>
        )}
      </Section>
    </div>
  );
}

/** The fulfilment codes as steps, the current one marked. */
function Steps(props: { current: string | undefined; state: string }) {
  const { t, tMaybe } = useI18n();
  const done = props.state === 'completed' ? FULFILMENT_STEPS.length : fulfilmentStep(props.current);
  return (
    <ol class="steps" aria-label={t('orders.fulfilment')}>
      {FULFILMENT_STEPS.map((s, i) => (
        <li
          key={s}
          class={i < done ? 'done' : i === done ? 'current' : ''}
          aria-current={i === done ? 'step' : undefined}
        >
          {tMaybe(`fulfil.${s}`) ?? s}
        </li>
      ))}
    </ol>
  );
}

function Progress(props: { tx: string }) {
  const { t, tMaybe, fmt } = useI18n();
  const p = useLiveLoad(
    // NOT_FOUND: the order has no progress twin yet (nothing reported); null shows "none yet".
    () =>
      client.orderProgress(props.tx).catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'NOT_FOUND') return null;
        throw e;
      }),
    [props.tx],
    ['deal'],
    2000,
    (e) => e.type === 'deal' && e.transactionId === props.tx,
  );
  return (
    <Async loaded={p} what="feature.progress" isEmpty={(x) => x === null} empty={t('orders.progress.none')}>
      {(x: OrderProgress | null) =>
        x && (
          <div class="progress-twin">
            <label class="small" for={`prog-${props.tx}`}>
              {t('orders.partsDone', { done: fmt.number(x.done), total: fmt.number(x.quantity) })}
            </label>
            <progress id={`prog-${props.tx}`} max={Math.max(1, x.quantity)} value={x.done} />
            {x.eta && <p class="small">{t('orders.eta', { date: fmt.dateTime(Date.parse(x.eta)) })}</p>}
            {x.operations.length > 0 && (
              <table class="table compact">
                <caption class="sr-only">{t('orders.operations')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('orders.operation')}</th>
                    <th scope="col">{t('orders.done')}</th>
                    <th scope="col">{t('common.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {x.operations.map((o) => (
                    <tr key={o.name}>
                      <td>
                        {o.process && o.asset
                          ? t('orders.op.name', {
                              process: tMaybe(`cat.${o.process}`) ?? o.process,
                              asset: o.asset,
                            })
                          : o.kind === 'production'
                            ? t('orders.op.production')
                            : o.name}
                      </td>
                      <td>
                        {fmt.number(o.done)} / {fmt.number(o.total)}
                      </td>
                      <td>{t(`orders.op.${o.state}` as MsgKey)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <ol class="events">
              {[...x.events]
                .reverse()
                .slice(0, 12)
                .map((e) => (
                  <li key={`${e.at}-${e.code}`}>
                    <time dateTime={new Date(e.at).toISOString()}>{fmt.time(e.at)}</time>{' '}
                    <FulfilmentName code={e.code} />
                    {e.asset && <span class="muted small"> · {e.asset}</span>}
                    {e.figures ? (
                      <span class="muted small">
                        {' · '}
                        {t('orders.event.figures', {
                          done: fmt.number(e.figures.done),
                          total: fmt.number(e.figures.total),
                          scrap: fmt.number(e.figures.scrap),
                          lots: fmt.number(e.figures.lots),
                        })}
                      </span>
                    ) : (
                      e.detail && <span class="muted small"> · {e.detail}</span>
                    )}
                  </li>
                ))}
            </ol>
          </div>
        )
      }
    </Async>
  );
}

/** What the owner can do with the deal now, through the owner API's step actions. */
function Actions(props: { deal: DealWithData; onChange: () => void }) {
  const { t, tMaybe } = useI18n();
  const d = props.deal;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const [code, setCode] = useState('IN_PRODUCTION');
  const [rating, setRating] = useState('5');

  const run = async (fn: () => Promise<string | undefined>) => {
    setBusy(true);
    setError(undefined);
    setNote(undefined);
    try {
      setNote(await fn());
      props.onChange();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  const step = (action: 'status' | 'cancel' | 'rating') =>
    run(async () => {
      const r = await client.step(d.transactionId, action, {
        supplier: d.counterparty,
        waitMs: 10_000,
        ...(action === 'rating' ? { rating: Number(rating) } : {}),
        ...(action === 'cancel' ? { reason: t('orders.cancelReason') } : {}),
      });
      if (r.callback?.error) throw new Error(`${r.callback.error.code}: ${r.callback.error.message}`);
      return r.callback ? t('orders.answered', { action: r.callback.action }) : t('orders.sent');
    });

  const buyer = d.role === 'buyer';
  const active = d.state === 'confirmed';
  return (
    <div class="actions">
      {buyer && active && (
        <div class="row wrap">
          <button type="button" class="btn" disabled={busy} onClick={() => void step('status')}>
            {t('orders.askStatus')}
          </button>
          <button type="button" class="btn danger" disabled={busy} onClick={() => void step('cancel')}>
            {t('orders.cancel')}
          </button>
        </div>
      )}
      {buyer && d.state === 'completed' && (
        <div class="row wrap">
          <label for={`rate-${d.transactionId}`}>{t('orders.rating')}</label>
          <select
            id={`rate-${d.transactionId}`}
            value={rating}
            onChange={(e) => setRating((e.currentTarget as HTMLSelectElement).value)}
          >
            {['5', '4', '3', '2', '1'].map((r) => (
              <option key={r} value={r}>
                {'★'.repeat(Number(r))}
              </option>
            ))}
          </select>
          <button type="button" class="btn" disabled={busy} onClick={() => void step('rating')}>
            {t('orders.rate')}
          </button>
        </div>
      )}
      {!buyer && active && (
        <div class="row wrap">
          <label for={`code-${d.transactionId}`}>{t('orders.report')}</label>
          <select
            id={`code-${d.transactionId}`}
            value={code}
            onChange={(e) => setCode((e.currentTarget as HTMLSelectElement).value)}
          >
            {FULFILMENT_STEPS.map((s) => (
              <option key={s} value={s}>
                {tMaybe(`fulfil.${s}`) ?? s}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="btn"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                await client.progress(d.transactionId, d.counterparty, code);
                return t('orders.sent');
              })
            }
          >
            {t('orders.send')}
          </button>
        </div>
      )}
      {busy && (
        <p role="status" class="small">
          <Spinner /> {t('orders.waiting')}
        </p>
      )}
      {note && (
        <p role="status" class="small">
          {note}
        </p>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}

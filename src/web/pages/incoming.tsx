/**
 * Incoming (supplier): the needs that reached this node, how well they fit and why, and the quote the
 * node drafted from its own costs and capacity, priced by what it learned of its win rate; send it (as
 * drafted or adjusted) or decline. Below, the win-rate model itself: quotes won and lost, P(win) against
 * margin, the margin it suggests.
 */
import { useState } from 'preact/hooks';
import type { DealWithData, DraftQuote, IncomingNeed, PricingState } from '../../api/contract.js';
import { client, useLiveLoad } from '../api.js';
import { needText } from '../beckn.js';
import { useI18n } from '../i18n.js';
import { pathOf } from '../router.js';
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
import { StateBadge } from './orders.js';
import { Reasons } from './reasons.js';

export function IncomingPage() {
  const { t } = useI18n();
  const incoming = useLiveLoad(() => client.incoming(), [], ['need'], 3000);
  return (
    <>
      <PageHeader title={t('incoming.title')} intro={t('incoming.intro')} />
      <Section title={t('incoming.matched')} actions={<LiveIndicator status={incoming.live} />}>
        <Async
          loaded={incoming}
          what="feature.incoming"
          isEmpty={(d) => d.needs.length === 0}
          empty={t('incoming.empty')}
        >
          {(d) => (
            <ol class="needs-list">
              {d.needs.map((n) => (
                <IncomingCard key={n.id} need={n} onChange={incoming.reload} />
              ))}
            </ol>
          )}
        </Async>
      </Section>
      <Pricing />
      <Answered />
    </>
  );
}

const STATUS_TONE: Record<IncomingNeed['status'], 'info' | 'good' | 'neutral' | 'warn'> = {
  new: 'info',
  sent: 'good',
  declined: 'neutral',
  expired: 'warn',
};

function IncomingCard(props: { need: IncomingNeed; onChange: () => void }) {
  const { t, tMaybe, fmt } = useI18n();
  const n = props.need;
  const q = n.quote;
  const [price, setPrice] = useState(q?.unitPrice ?? '');
  const [days, setDays] = useState(q ? String(q.leadTimeDays) : '');
  const [busy, setBusy] = useState<'send' | 'decline' | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const base = `in-${n.id}`.replace(/[^\w-]/g, '_');

  const act = async (what: 'send' | 'decline') => {
    setBusy(what);
    setError(undefined);
    try {
      if (what === 'send') {
        const adjusted = {
          ...(q && price !== q.unitPrice ? { unitPrice: price } : {}),
          ...(q && days !== String(q.leadTimeDays) ? { leadTimeDays: Number.parseInt(days, 10) } : {}),
        };
        await client.sendQuote(n.id, adjusted);
      } else {
        await client.declineNeed(n.id, {});
      }
      props.onChange();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <li class="need-card">
      <div class="need-card-head">
        <div>
          <p class="need-text">“{n.text}”</p>
          <p class="muted small">
            {t('incoming.from')} {n.buyerName ?? <Party id={n.buyer} />} · {fmt.relative(n.receivedAt)}
          </p>
        </div>
        <div class="col-right">
          <Badge tone={STATUS_TONE[n.status]}>{t(`incoming.status.${n.status}` as MsgKey)}</Badge>
          <Badge tone={n.decision === 'respond' ? 'good' : 'warn'}>
            {t(n.decision === 'respond' ? 'incoming.canServe' : 'incoming.cannotServe')}
          </Badge>
        </div>
      </div>
      <div class="offer-scores">
        <span>{t('offer.fit')}</span>
        <Meter value={n.fit} label={t('incoming.fitOf')} />
      </div>
      <Reasons reasons={n.reasons} />
      {q ? (
        <div class="quote">
          <h3>{t('incoming.quote')}</h3>
          <table class="table compact">
            <caption class="sr-only">{t('incoming.quote')}</caption>
            <tbody>
              <tr>
                <th scope="row">{t('incoming.item')}</th>
                <td>
                  {q.itemName} <code>{q.itemId}</code>
                </td>
              </tr>
              <tr>
                <th scope="row">{t('order.quantity')}</th>
                <td>{fmt.number(q.quantity)}</td>
              </tr>
              <tr>
                <th scope="row">{t('incoming.total')}</th>
                <td>{fmt.money(q.total, q.currency)}</td>
              </tr>
              {q.deliveryDate && (
                <tr>
                  <th scope="row">{t('incoming.delivery')}</th>
                  <td>{fmt.date(q.deliveryDate)}</td>
                </tr>
              )}
              {q.breakdown?.map((b) => (
                <tr key={b.code}>
                  <th scope="row" class="indent">
                    {t('incoming.cost', { code: tMaybe(`cost.${b.code}`) ?? b.code })}
                  </th>
                  <td>{fmt.money(b.amount, q.currency)}</td>
                </tr>
              ))}
              {q.winProbability !== undefined && (
                <tr>
                  <th scope="row">{t('incoming.win')}</th>
                  <td>{fmt.percent(q.winProbability)}</td>
                </tr>
              )}
              {q.suggestion && (
                <tr>
                  <th scope="row">{t('incoming.suggestion')}</th>
                  <td class="small">
                    <SuggestionText quote={q} />
                  </td>
                </tr>
              )}
            </tbody>
          </table>
          {n.status === 'new' && (
            <div class="row wrap adjust">
              <label for={`${base}-price`}>{t('incoming.unitPrice', { currency: q.currency })}</label>
              <input
                id={`${base}-price`}
                inputMode="decimal"
                value={price}
                onInput={(e) => setPrice((e.currentTarget as HTMLInputElement).value)}
              />
              <label for={`${base}-days`}>{t('incoming.leadDays')}</label>
              <input
                id={`${base}-days`}
                type="number"
                min={0}
                value={days}
                onInput={(e) => setDays((e.currentTarget as HTMLInputElement).value)}
              />
            </div>
          )}
        </div>
      ) : (
        <p class="muted">{t('incoming.noQuote')}</p>
      )}
      {n.status === 'new' && (
        <div class="row">
          {q && (
            <button type="button" class="btn primary" disabled={!!busy} onClick={() => void act('send')}>
              {busy === 'send' && <Spinner />}
              {price !== q.unitPrice || days !== String(q.leadTimeDays)
                ? t('incoming.sendAdjusted')
                : t('incoming.send')}
            </button>
          )}
          <button type="button" class="btn" disabled={!!busy} onClick={() => void act('decline')}>
            {busy === 'decline' && <Spinner />}
            {t('incoming.decline')}
          </button>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </li>
  );
}

/** How the win-rate model set a drafted quote's price, in the owner's language. */
function SuggestionText(props: { quote: DraftQuote }) {
  const { t, fmt } = useI18n();
  const q = props.quote;
  const s = q.suggestion;
  if (!s) return null;
  return (
    <span title={s.text}>
      {s.basis === 'prior'
        ? t('incoming.suggest.prior', { margin: fmt.percent(s.ownerMargin) })
        : t('incoming.suggest.learned', {
            margin: fmt.percent(s.margin),
            quotes: s.quotes,
            won: s.won,
            draft: fmt.money(s.costModelPrice, q.currency),
          })}
    </span>
  );
}

/** The supplier's win-rate model: what it learned from its quotes, and P(win) against margin. */
function Pricing() {
  const { t, fmt } = useI18n();
  const pricing = useLiveLoad(() => client.pricing(), [], ['need', 'deal'], 5000);
  return (
    <Section id="s-pricing" title={t('pricing.title')}>
      <Async loaded={pricing} what="feature.pricing">
        {(p: PricingState) => (
          <div class="pricing">
            <p class="muted small">{t('pricing.intro')}</p>
            <p>
              {t('pricing.quotes')}: <strong>{fmt.number(p.quotes)}</strong> · {t('pricing.won')}{' '}
              {fmt.number(p.won)} · {t('pricing.lost')} {fmt.number(p.lost)} · {t('pricing.open')}{' '}
              {fmt.number(p.open)}
            </p>
            <p>
              {!p.learning
                ? t('pricing.off')
                : p.basis === 'prior'
                  ? t('pricing.prior', { margin: fmt.percent(p.ownerMargin ?? p.suggestedMargin) })
                  : t('pricing.suggested', {
                      margin: fmt.percent(p.suggestedMargin),
                      p: fmt.percent(p.winProbability),
                    })}{' '}
              <span class="muted small">
                {t('pricing.bounds', { min: fmt.percent(p.minMargin), max: fmt.percent(p.maxMargin) })}
              </span>
            </p>
            <table class="table compact">
              <caption class="sr-only">{t('pricing.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('pricing.margin')}</th>
                  <th scope="col">{t('pricing.chance')}</th>
                  <th scope="col">{t('pricing.expected')}</th>
                </tr>
              </thead>
              <tbody>
                {p.curve.map((c) => (
                  <tr key={c.margin}>
                    <td>{fmt.percent(c.margin)}</td>
                    <td>
                      <Meter
                        value={c.winProbability}
                        label={t('pricing.chanceAt', { margin: fmt.percent(c.margin) })}
                      />
                    </td>
                    <td>{fmt.percent(c.expectedProfit)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Async>
    </Section>
  );
}

/** The needs this node answered, from its deals: works on every node, with or without the matcher's list. */
function Answered() {
  const { t, fmt } = useI18n();
  const deals = useLiveLoad(() => client.transactions(200), [], ['deal'], 5000);
  return (
    <Section title={t('incoming.answered')}>
      <Async
        loaded={deals}
        what="feature.transactions"
        isEmpty={(d) => !d.deals.some((x) => x.role === 'supplier')}
        empty={t('incoming.answered.empty')}
      >
        {(d) => (
          <table class="table">
            <caption class="sr-only">{t('incoming.answered')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('needs.need')}</th>
                <th scope="col">{t('common.buyer')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('common.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {d.deals
                .filter((x): x is DealWithData => x.role === 'supplier')
                .slice(0, 30)
                .map((x) => (
                  <tr key={`${x.transactionId}/${x.counterparty}`}>
                    <td>
                      <a href={pathOf('orders', x.transactionId)}>
                        {needText(x) ?? <Id value={x.transactionId} keep={8} />}
                      </a>
                    </td>
                    <td>
                      <Party id={x.counterparty} />
                    </td>
                    <td>
                      <StateBadge state={x.state} />
                    </td>
                    <td>{fmt.relative(x.updatedAt)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Async>
    </Section>
  );
}

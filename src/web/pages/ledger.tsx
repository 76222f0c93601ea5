/**
 * Ledger: every signed message this node sent or received, hash-chained; verify the whole chain, and
 * export one deal's bundle (its entries with the keys to check them, verifiable by anyone).
 */
import { useContext, useState } from 'preact/hooks';
import type { LedgerVerifyView } from '../../api/contract.js';
import { client, isUnauthorized, SessionContext, useLiveLoad } from '../api.js';
import { useI18n } from '../i18n.js';
import { pathOf } from '../router.js';
import {
  Async,
  Badge,
  ErrorBox,
  Id,
  LiveIndicator,
  PageHeader,
  Party,
  Section,
  Spinner,
  Table,
} from '../ui.js';

const PAGE = 50;

export function LedgerPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('ledger.title')} intro={t('ledger.intro')} />
      <div class="grid two">
        <Verify />
        <Export />
      </div>
      <Entries />
    </>
  );
}

type VerifyState =
  | { s: 'idle' }
  | { s: 'running'; since: number }
  | { s: 'done'; r: LedgerVerifyView; ms: number }
  | { s: 'error'; e: Error };

function Verify() {
  const { t, fmt } = useI18n();
  const session = useContext(SessionContext);
  const [st, setSt] = useState<VerifyState>({ s: 'idle' });
  const run = async () => {
    const since = performance.now();
    setSt({ s: 'running', since });
    try {
      const r = await client.verifyLedger();
      setSt({ s: 'done', r, ms: performance.now() - since });
    } catch (e) {
      if (isUnauthorized(e)) session.expired();
      setSt({ s: 'error', e: e as Error });
    }
  };
  return (
    <Section title={t('ledger.verify')}>
      <p class="muted small">{t('ledger.verify.intro')}</p>
      <div class="row">
        <button
          type="button"
          class="btn primary"
          onClick={() => void run()}
          disabled={st.s === 'running'}
          data-testid="verify"
        >
          {st.s === 'running' && <Spinner />}
          {t('ledger.verify.button')}
        </button>
      </div>
      <div role="status" class="verify-result">
        {st.s === 'running' && <span>{t('ledger.verify.running')}</span>}
        {st.s === 'done' &&
          (st.r.ok ? (
            <p class="ok" data-state="verified">
              <Badge tone="good">{t('ledger.verified')}</Badge>{' '}
              {t('ledger.verified.body', { n: st.r.entries, ms: Math.round(st.ms) })}
            </p>
          ) : (
            <p class="bad" data-state="broken">
              <Badge tone="bad">{t('ledger.broken')}</Badge>{' '}
              {t('ledger.broken.body', {
                n: st.r.entries,
                seq: st.r.firstBad.seq,
                reason: st.r.firstBad.reason,
              })}
            </p>
          ))}
      </div>
      {st.s === 'error' && <ErrorBox error={st.e} retry={() => void run()} />}
      {st.s === 'done' && <p class="muted small">{fmt.dateTime(Date.now())}</p>}
    </Section>
  );
}

function Export() {
  const { t, fmt } = useI18n();
  const deals = useLiveLoad(() => client.transactions(200), [], ['deal'], 10_000);
  const [tx, setTx] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const txs = [...new Set((deals.data?.deals ?? []).map((d) => d.transactionId))];

  const run = async (e: Event) => {
    e.preventDefault();
    const id = tx.trim();
    if (!id) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const bundle = await client.bundle(id);
      const text = JSON.stringify(bundle, null, 2);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `weft-bundle-${id}.json`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDone(t('ledger.export.done', { file: a.download, kb: fmt.number(text.length / 1024, 1) }));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title={t('ledger.export')}>
      <p class="muted small">{t('ledger.export.intro')}</p>
      <form onSubmit={run} class="row wrap">
        <label for="bundle-tx">{t('orders.transaction')}</label>
        <input
          id="bundle-tx"
          list="bundle-txs"
          value={tx}
          onInput={(e) => setTx((e.currentTarget as HTMLInputElement).value)}
          class="grow"
        />
        <datalist id="bundle-txs">
          {txs.map((x) => (
            <option key={x} value={x} />
          ))}
        </datalist>
        <button type="submit" class="btn" disabled={busy || !tx.trim()}>
          {busy && <Spinner />}
          {t('ledger.export.button')}
        </button>
      </form>
      {done && (
        <p role="status" class="small">
          {done}
        </p>
      )}
      {error && <ErrorBox error={error} />}
    </Section>
  );
}

function Entries() {
  const { t, fmt } = useI18n();
  // undefined: the newest page, following new entries live; a number: an older page, fixed.
  const [from, setFrom] = useState<number | undefined>();
  const page = useLiveLoad(
    () => client.ledger(from, PAGE),
    [from],
    ['ledger'],
    from === undefined ? 3000 : 60_000,
  );
  return (
    <Section title={t('ledger.entries')} actions={<LiveIndicator status={page.live} />}>
      <Async loaded={page} what="feature.ledger" isEmpty={(d) => d.total === 0} empty={t('ledger.empty')}>
        {(d) => {
          const first = d.entries[0]?.seq ?? 1;
          const last = d.entries[d.entries.length - 1]?.seq ?? 0;
          return (
            <>
              <div class="row between">
                <span class="small muted">{t('ledger.range', { first, last, total: d.total })}</span>
                <span class="row">
                  <button
                    type="button"
                    class="btn small"
                    disabled={last >= d.total}
                    onClick={() => setFrom(last + PAGE >= d.total ? undefined : last + 1)}
                  >
                    {t('ledger.newer')}
                  </button>
                  <button
                    type="button"
                    class="btn small"
                    disabled={first <= 1}
                    onClick={() => setFrom(Math.max(1, first - PAGE))}
                  >
                    {t('ledger.older')}
                  </button>
                </span>
              </div>
              <Table
                label={t('ledger.entries')}
                cols={[
                  t('ledger.seq'),
                  t('ledger.time'),
                  t('ledger.direction'),
                  t('ledger.action'),
                  t('ledger.counterparty'),
                  t('orders.transaction'),
                  t('ledger.hash'),
                ]}
                rows={[...d.entries].reverse()}
                rowKey={(e) => e.seq}
                row={(e) => (
                  <>
                    <td class="num">{fmt.number(e.seq)}</td>
                    <td>{fmt.dateTime(e.recordedAt)}</td>
                    <td>
                      <Badge tone={e.direction === 'in' ? 'info' : 'neutral'}>
                        {t(e.direction === 'in' ? 'dir.in' : 'dir.out')}
                      </Badge>
                    </td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      <Party id={e.counterparty} />
                    </td>
                    <td>
                      <a href={pathOf('orders', e.transactionId)}>
                        <Id value={e.transactionId} keep={8} />
                      </a>
                    </td>
                    <td>
                      <Id value={e.hash} keep={8} />
                    </td>
                  </>
                )}
              />
            </>
          );
        }}
      </Async>
    </Section>
  );
}

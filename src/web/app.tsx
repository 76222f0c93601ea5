/**
 * The dashboard's shell: login state, language, live events, names of other nodes, navigation and
 * the current page.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { NodeView, WeftEvent } from '../api/contract.js';
import { client, EventsContext, isUnauthorized, parseEvent, SessionContext, useLoad, useSse } from './api.js';
import { I18nContext, initialLang, type Lang, makeI18n, rememberLang, useI18n } from './i18n.js';
import { NodeContext, useNode } from './node-context.js';
import { IncomingPage } from './pages/incoming.js';
import { LedgerPage } from './pages/ledger.js';
import { Login } from './pages/login.js';
import { NeedsPage } from './pages/needs.js';
import { NetworkPage } from './pages/network.js';
import { OrdersPage } from './pages/orders.js';
import { OverviewPage } from './pages/overview.js';
import { SettingsPage } from './pages/settings.js';
import { TwinsPage } from './pages/twins.js';
import { type PageId, pathOf, RouterContext, useHistoryRouter, useRouter } from './router.js';
import type { MsgKey } from './strings.js';
import { Badge, LangSelect, LiveIndicator, Loading, NamesContext, PageHeader } from './ui.js';

type Auth = { state: 'checking' } | { state: 'in'; node: NodeView } | { state: 'out'; notice?: MsgKey };

export function App(props: { fragmentToken: string | undefined }) {
  const [lang, setLang] = useState<Lang>(initialLang);
  const i18n = useMemo(
    () =>
      makeI18n(lang, (l) => {
        rememberLang(l);
        setLang(l);
      }),
    [lang],
  );
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const enter = useCallback(async (notice?: MsgKey) => {
    try {
      setAuth({ state: 'in', node: await client.node() });
    } catch (e) {
      setAuth({ state: 'out', notice: isUnauthorized(e) ? notice : 'login.unreachable' });
    }
  }, []);

  useEffect(() => {
    void (async () => {
      if (props.fragmentToken) {
        try {
          await client.login(props.fragmentToken);
        } catch {
          setAuth({ state: 'out', notice: 'login.badLink' });
          return;
        }
      }
      await enter();
    })();
  }, [props.fragmentToken, enter]);

  const session = useMemo(
    () => ({
      expired: () => setAuth((a) => (a.state === 'in' ? { state: 'out', notice: 'login.expired' } : a)),
    }),
    [],
  );

  let body: ComponentChildren;
  if (auth.state === 'checking') {
    body = (
      <main id="main" class="center">
        <Loading />
      </main>
    );
  } else if (auth.state === 'out') {
    body = (
      <Login
        notice={auth.notice}
        onLogin={async (token) => {
          await client.login(token);
          await enter();
        }}
      />
    );
  } else {
    body = (
      <SessionContext.Provider value={session}>
        <NodeContext.Provider value={auth.node}>
          <Shell
            onLogout={async () => {
              await client.logout().catch(() => undefined);
              setAuth({ state: 'out', notice: 'login.loggedOut' });
            }}
          />
        </NodeContext.Provider>
      </SessionContext.Provider>
    );
  }
  return <I18nContext.Provider value={i18n}>{body}</I18nContext.Provider>;
}

function EventsProvider(props: { children: ComponentChildren }) {
  const subs = useRef(new Set<(e: WeftEvent) => void>());
  const status = useSse('/api/events', (m) => {
    const e = parseEvent(m);
    if (e) for (const fn of subs.current) fn(e);
  });
  const events = useMemo(
    () => ({
      status,
      subscribe: (fn: (e: WeftEvent) => void) => {
        subs.current.add(fn);
        return () => {
          subs.current.delete(fn);
        };
      },
    }),
    [status],
  );
  return <EventsContext.Provider value={events}>{props.children}</EventsContext.Provider>;
}

function NamesProvider(props: { children: ComponentChildren }) {
  const peers = useLoad(() => client.peers(), [], 30_000);
  const network = useLoad(() => client.network(), [], 30_000);
  const node = useNode();
  const lookup = useMemo(() => {
    const names = new Map<string, string>();
    for (const r of network.data?.directory ?? []) if (r.name) names.set(r.subscriber_id, r.name);
    for (const p of peers.data?.peers ?? []) if (p.name) names.set(p.subscriberId, p.name);
    if (node) names.set(node.subscriberId, node.profile.name);
    return (id: string) => names.get(id);
  }, [peers.data, network.data, node]);
  return <NamesContext.Provider value={lookup}>{props.children}</NamesContext.Provider>;
}

const NAV: Array<{ page: PageId; key: MsgKey; role?: 'buyer' | 'supplier' }> = [
  { page: 'overview', key: 'nav.overview' },
  { page: 'needs', key: 'nav.needs', role: 'buyer' },
  { page: 'incoming', key: 'nav.incoming', role: 'supplier' },
  { page: 'orders', key: 'nav.orders' },
  { page: 'twins', key: 'nav.twins' },
  { page: 'ledger', key: 'nav.ledger' },
  { page: 'network', key: 'nav.network' },
  { page: 'settings', key: 'nav.settings' },
];

function Shell(props: { onLogout: () => Promise<void> }) {
  const router = useHistoryRouter();
  return (
    <RouterContext.Provider value={router}>
      <EventsProvider>
        <NamesProvider>
          <Frame onLogout={props.onLogout} />
        </NamesProvider>
      </EventsProvider>
    </RouterContext.Provider>
  );
}

function Frame(props: { onLogout: () => Promise<void> }) {
  const { t } = useI18n();
  const { route } = useRouter();
  const node = useNode();
  const events = useContext(EventsContext);
  const first = useRef(true);
  const roles = node?.profile.roles ?? [];

  useEffect(() => {
    const key = NAV.find((n) => n.page === route.page)?.key ?? 'page.notFound';
    document.title = `${t(key)} · ${node?.profile.name ?? 'Weft'}`;
  }, [route.page, t, node]);
  useEffect(() => {
    // After a navigation (not the first render), move focus to the new page's heading, as a page load would.
    if (first.current) {
      first.current = false;
      // The time to the first page with the node's data, for the first-render check (test/e2e/dashboard).
      performance.mark('weft:first-render');
      return;
    }
    document.getElementById('page-title')?.focus();
  }, [route.page, route.params.join('/')]);

  return (
    <div class="layout">
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            W
          </span>
          <span>
            <span class="brand-name">Weft</span>
            <span class="node-name">{node?.profile.name}</span>
          </span>
          {roles.map((r) => (
            <Badge key={r} tone="info">
              {t(r === 'buyer' ? 'role.buyer' : 'role.supplier')}
            </Badge>
          ))}
        </div>
        <div class="top-actions">
          <LiveIndicator status={events.status} />
          <LangSelect />
          <button type="button" class="btn ghost" onClick={() => void props.onLogout()}>
            {t('action.logout')}
          </button>
        </div>
      </header>
      <nav class="sidenav" aria-label={t('nav.label')}>
        <ul>
          {NAV.filter((n) => !n.role || roles.includes(n.role)).map((n) => (
            <li key={n.page}>
              <a href={pathOf(n.page)} aria-current={route.page === n.page ? 'page' : undefined}>
                {t(n.key)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        <Page />
      </main>
    </div>
  );
}

function Page() {
  const { route } = useRouter();
  const { t } = useI18n();
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'needs':
      return <NeedsPage />;
    case 'incoming':
      return <IncomingPage />;
    case 'orders':
      return <OrdersPage />;
    case 'twins':
      return <TwinsPage />;
    case 'ledger':
      return <LedgerPage />;
    case 'network':
      return <NetworkPage />;
    case 'settings':
      return <SettingsPage />;
    case 'not-found':
      return (
        <PageHeader title={t('page.notFound')} intro={t('page.notFound.body')}>
          <a class="btn" href="/">
            {t('nav.overview')}
          </a>
        </PageHeader>
      );
    default: {
      const never: never = route.page;
      return never;
    }
  }
}

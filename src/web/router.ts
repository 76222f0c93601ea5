/**
 * A small path router over the History API: the node answers every client route with index.html, so
 * `/orders/<transaction id>` can be bookmarked and reloaded. Links are ordinary `<a href>`; a click
 * without modifier keys is handled here instead of reloading the page.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';

export type PageId =
  | 'overview'
  | 'needs'
  | 'incoming'
  | 'orders'
  | 'twins'
  | 'ledger'
  | 'network'
  | 'settings';

export interface Route {
  page: PageId | 'not-found';
  /** Path segments after the page (e.g. a transaction id). */
  params: string[];
}

export const PAGES: readonly PageId[] = [
  'overview',
  'needs',
  'incoming',
  'orders',
  'twins',
  'ledger',
  'network',
  'settings',
];

export function parseRoute(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  if (parts.length === 0) return { page: 'overview', params: [] };
  const [first, ...rest] = parts;
  const page = PAGES.find((p) => p === first);
  return page ? { page, params: rest } : { page: 'not-found', params: parts };
}

export function pathOf(page: PageId, ...params: string[]): string {
  const tail = params.map((p) => `/${encodeURIComponent(p)}`).join('');
  return page === 'overview' && params.length === 0 ? '/' : `/${page}${tail}`;
}

export interface Router {
  route: Route;
  navigate(path: string, replace?: boolean): void;
}
export const RouterContext = createContext<Router>({
  route: { page: 'overview', params: [] },
  navigate: () => undefined,
});

export function useRouter(): Router {
  return useContext(RouterContext);
}

/** The router's state for the App: the current route, following back/forward and link clicks. */
export function useHistoryRouter(): Router {
  const [pathname, setPathname] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPathname(location.pathname);
    const onClick = (ev: MouseEvent) => {
      if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey)
        return;
      const a = (ev.target as Element | null)?.closest?.('a');
      if (!a || a.target || a.hasAttribute('download')) return;
      const href = a.getAttribute('href');
      if (!href?.startsWith('/') || href.startsWith('//')) return;
      ev.preventDefault();
      if (href !== location.pathname) history.pushState(null, '', href);
      setPathname(location.pathname);
    };
    window.addEventListener('popstate', onPop);
    document.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('popstate', onPop);
      document.removeEventListener('click', onClick);
    };
  }, []);
  return {
    route: parseRoute(pathname),
    navigate: (path, replace = false) => {
      if (replace) history.replaceState(null, '', path);
      else if (path !== location.pathname) history.pushState(null, '', path);
      setPathname(location.pathname);
    },
  };
}

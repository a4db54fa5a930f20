import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { describe } from './api';
import type { Page } from './api';
import { sessionStore, type SessionState } from './session';

export function useSession(): SessionState {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get, sessionStore.get);
}

export function useMe() {
  const s = useSession();
  return s.status === 'anonymous' ? null : s.session.user;
}

export type Load<T> = { status: 'loading' } | { status: 'error'; error: string; retry: () => void } | { status: 'ok'; data: T };

/** One request, with loading and error states and a retry. */
export function useLoad<T>(fetcher: () => Promise<T>, deps: unknown[]): [Load<T>, (t: T) => void, () => void] {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [nonce, setNonce] = useState(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    setState((s) => (s.status === 'ok' ? s : { status: 'loading' }));
    fetcher().then(
      (data) => live && setState({ status: 'ok', data }),
      (err) => live && setState({ status: 'error', error: describe(err), retry: reload }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const set = useCallback((data: T) => setState({ status: 'ok', data }), []);
  return [state, set, reload];
}

export interface Paged<T> {
  items: T[];
  status: 'loading' | 'idle' | 'error' | 'done';
  error: string | null;
  loadMore: () => void;
  reload: () => void;
  setItems: (f: (items: T[]) => T[]) => void;
}

// Lists kept for going back: a timeline left for a post shows the same pages (and the router
// restores the scroll position) instead of starting again from the top.
const kept = new Map<string, { items: unknown[]; cursor: string | null; status: 'idle' | 'done' }>();

export function forgetKept(keep: string) {
  kept.delete(keep);
}

/** A cursor-paged list: the first page on mount, the next on loadMore(); `keep` names it for going back. */
export function usePaged<T extends { id: string }>(fetch: (cursor: string | null) => Promise<Page<T>>, deps: unknown[], keep?: string): Paged<T> {
  const restored = keep ? kept.get(keep) : undefined;
  const [items, setItemsState] = useState<T[]>((restored?.items as T[]) ?? []);
  const [status, setStatus] = useState<Paged<T>['status']>(restored?.status ?? 'loading');
  const [error, setError] = useState<string | null>(null);
  const cursor = useRef<string | null>(restored?.cursor ?? null);
  const skipFirst = useRef(!!restored);
  const busy = useRef(false);
  const generation = useRef(0);
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;

  const load = useCallback((first: boolean) => {
    if (busy.current && !first) return;
    busy.current = true;
    const gen = first ? ++generation.current : generation.current;
    setStatus('loading');
    setError(null);
    fetchRef.current(first ? null : cursor.current).then(
      (page) => {
        if (gen !== generation.current) return;
        busy.current = false;
        cursor.current = page.nextCursor;
        setItemsState((old) => {
          const base = first ? [] : old;
          const seen = new Set(base.map((i) => i.id));
          return [...base, ...page.items.filter((i) => !seen.has(i.id))];
        });
        setStatus(page.nextCursor ? 'idle' : 'done');
      },
      (err) => {
        if (gen !== generation.current) return;
        busy.current = false;
        setError(describe(err));
        setStatus('error');
      },
    );
  }, []);

  useEffect(() => {
    if (skipFirst.current) {
      skipFirst.current = false;
      return;
    }
    cursor.current = null;
    busy.current = false;
    load(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  useEffect(() => {
    if (keep && (status === 'idle' || status === 'done')) kept.set(keep, { items, cursor: cursor.current, status });
  }, [keep, items, status]);

  const setItems = useCallback((f: (items: T[]) => T[]) => setItemsState(f), []);

  return {
    items,
    status,
    error,
    loadMore: useCallback(() => load(false), [load]),
    reload: useCallback(() => load(true), [load]),
    setItems,
  };
}

/** A value kept in localStorage under `key` (drafts survive a reload or an accidental close). */
export function useDraft(key: string, initial = ''): [string, (v: string) => void, () => void] {
  const [value, setValue] = useState(() => localStorage.getItem(key) ?? initial);
  const set = useCallback(
    (v: string) => {
      setValue(v);
      if (v) localStorage.setItem(key, v);
      else localStorage.removeItem(key);
    },
    [key],
  );
  const clear = useCallback(() => set(''), [set]);
  return [value, set, clear];
}

export function useOnline() {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener('online', cb);
      window.addEventListener('offline', cb);
      return () => {
        window.removeEventListener('online', cb);
        window.removeEventListener('offline', cb);
      };
    },
    () => navigator.onLine,
  );
}

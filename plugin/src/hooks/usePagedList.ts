import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Page } from '../api/exporterTypes';

export interface PagedList<T> {
  items: T[];
  hasMore: boolean;
  loading: boolean;
  error: unknown;
  loadMore: () => void;
  reload: () => void;
}

interface ListState<T> {
  key?: string;
  items: T[];
  cursor: string | null;
  /** Older pages were loaded: a refresh of the first page merges instead of replacing. */
  extended: boolean;
  error?: unknown;
}

/**
 * A newest-first list read a page at a time (cursor pagination). The first
 * page is read again every `refreshMs`: its entries replace their older
 * versions (a running job that finished), new ones go on top, and pages
 * already loaded below stay where they are.
 */
export function usePagedList<T>(loadPage: (cursor: string | undefined) => Promise<Page<T>>, idOf: (item: T) => string, key: string, refreshMs?: number): PagedList<T> {
  const [state, setState] = useState<ListState<T>>({ items: [], cursor: null, extended: false });
  const [reloads, setReloads] = useState(0);
  const loadRef = useRef(loadPage);
  const idRef = useRef(idOf);
  useLayoutEffect(() => {
    loadRef.current = loadPage;
    idRef.current = idOf;
  });

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      loadRef.current(undefined).then(
        (page) => {
          if (!live) {
            return;
          }
          setState((previous) => {
            if (previous.key !== key || !previous.extended) {
              return { key, items: page.items, cursor: page.nextCursor, extended: false };
            }
            const fresh = new Set(page.items.map((item) => idRef.current(item)));
            return { ...previous, items: [...page.items, ...previous.items.filter((item) => !fresh.has(idRef.current(item)))], error: undefined };
          });
          if (refreshMs) {
            timer = setTimeout(run, refreshMs);
          }
        },
        (error: unknown) => {
          if (!live) {
            return;
          }
          setState((previous) => (previous.key === key ? { ...previous, error } : { key, items: [], cursor: null, extended: false, error }));
          // A failed refresh (the exporter restarting) is retried like any other.
          if (refreshMs) {
            timer = setTimeout(run, refreshMs);
          }
        },
      );
    };
    run();
    return () => {
      live = false;
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    };
  }, [key, refreshMs, reloads]);

  const current = state.key === key;
  const cursor = current ? state.cursor : null;
  const loadMore = useCallback(() => {
    if (!cursor) {
      return;
    }
    loadRef.current(cursor).then(
      (page) =>
        setState((previous) => {
          if (previous.key !== key || previous.cursor !== cursor) {
            return previous;
          }
          const seen = new Set(previous.items.map((item) => idRef.current(item)));
          return { key, items: [...previous.items, ...page.items.filter((item) => !seen.has(idRef.current(item)))], cursor: page.nextCursor, extended: true };
        }),
      (error: unknown) => setState((previous) => ({ ...previous, error })),
    );
  }, [cursor, key]);
  const reload = useCallback(() => setReloads((n) => n + 1), []);

  return { items: current ? state.items : [], hasMore: cursor !== null, loading: !current, error: current ? state.error : undefined, loadMore, reload };
}

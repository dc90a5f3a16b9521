import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  /** The answer for the current key; undefined while the first answer for it is awaited. */
  data: T | undefined;
  error: unknown;
  /** True until the first answer (or error) for the current key arrives; refreshes keep the data on screen. */
  loading: boolean;
  reload: () => void;
}

/** How often to load again: a fixed period, or one decided by the last answer (undefined: stop). */
export type Refresh<T> = number | undefined | ((data: T | undefined) => number | undefined);

/**
 * Runs `load` when `key` changes, then again after each answer as `refresh`
 * says (one request at a time, never overlapping). An answer for an older
 * key, or one arriving after the component went away, is dropped.
 */
export function useLoader<T>(load: () => Promise<T>, key: string, refresh?: Refresh<T>): Loaded<T> {
  const [state, setState] = useState<{ key?: string; data?: T; error?: unknown }>({});
  const [reloads, setReloads] = useState(0);
  const loadRef = useRef(load);
  const refreshRef = useRef(refresh);
  useLayoutEffect(() => {
    loadRef.current = load;
    refreshRef.current = refresh;
  });

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      loadRef.current().then(
        (data) => {
          if (live) {
            setState({ key, data, error: undefined });
            schedule(data);
          }
        },
        (error: unknown) => {
          if (live) {
            setState((previous) => ({ key, data: previous.key === key ? previous.data : undefined, error }));
            schedule(undefined);
          }
        },
      );
    };
    const schedule = (data: T | undefined) => {
      const r = refreshRef.current;
      const ms = typeof r === 'function' ? r(data) : r;
      if (ms !== undefined && ms > 0) {
        timer = setTimeout(run, ms);
      }
    };
    run();
    return () => {
      live = false;
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    };
  }, [key, reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const current = state.key === key;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: !current, reload };
}

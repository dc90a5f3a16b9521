import { useCallback, useEffect, useRef } from 'react';

/** After a job, the metrics it changed reach Prometheus at its next scrape: reload now, then a few more times. */
const FOLLOW_UP_MS = [2_000, 5_000, 10_000, 20_000];

export function useRefreshAfterJob(reload: () => void): () => void {
  const timers = useRef<Array<ReturnType<typeof setTimeout>>>([]);
  useEffect(
    () => () => {
      timers.current.forEach(clearTimeout);
    },
    [],
  );
  return useCallback(() => {
    reload();
    timers.current.forEach(clearTimeout);
    timers.current = FOLLOW_UP_MS.map((ms) => setTimeout(reload, ms));
  }, [reload]);
}

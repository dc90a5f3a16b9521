/** Small actions for tests of the job machinery (runner, schedules, silences), where the work itself does not matter. */
import { z } from 'zod';
import { defineAction, type AnyAction } from '../../exporter/src/actions/types.js';

export interface BlockingAction {
  action: AnyAction;
  /** Lets the job that runs now finish (succeed). */
  release(): void;
}

/** `block-until-released`: runs until the test releases it or the job is aborted, holding scope `blocking` meanwhile. */
export function blockUntilReleased(): BlockingAction {
  let releaseRunning: () => void = () => undefined;
  const action = defineAction({
    name: 'block-until-released',
    title: 'Block until released',
    description: 'Test action: runs until the test lets it finish.',
    targetKind: 'postgres',
    params: z.strictObject({}),
    role: 'operator',
    destructive: false,
    supportsDryRun: false,
    refreshes: [],
    prepare: () => Promise.resolve({ scope: 'blocking', plan: null }),
    run: ({ signal }) =>
      new Promise((resolve, reject) => {
        releaseRunning = () => resolve({ released: true });
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  });
  return { action, release: () => releaseRunning() };
}

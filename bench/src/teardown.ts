/**
 * Everything the bench starts is registered here and undone in reverse
 * order: at the end, when a step throws, and on Ctrl-C or SIGTERM. Servers
 * and the run directory are marked as such, so that --keep can leave them
 * running after a normal end or a failure; a signal always stops
 * everything. A second signal exits at once (the data directories then stay
 * in /tmp, named upkeep-bench-*).
 */
import { progress } from './progress.js';

export type UndoKind = 'process' | 'server';

interface Undo {
  label: string;
  kind: UndoKind;
  run: () => Promise<void>;
}

const undos: Undo[] = [];
let running: Promise<void> | undefined;

/** Registers an undo step; returns a function that drops it again (the work was undone by hand). */
export function onTeardown(label: string, run: () => Promise<void>, kind: UndoKind = 'process'): () => void {
  const undo = { label, kind, run };
  undos.push(undo);
  return () => {
    const index = undos.indexOf(undo);
    if (index >= 0) undos.splice(index, 1);
  };
}

/** Runs the registered steps, newest first (servers' steps only unless `keepServers`); a failing step is reported and the rest still run. */
export function teardown(keepServers = false): Promise<void> {
  running ??= (async () => {
    for (const undo of [...undos].reverse()) {
      if (keepServers && undo.kind === 'server') continue;
      undos.splice(undos.indexOf(undo), 1);
      try {
        await undo.run();
      } catch (err) {
        progress(`teardown: ${undo.label} failed: ${(err as Error).message}`);
      }
    }
  })();
  return running;
}

/** Ctrl-C, SIGTERM and SIGHUP stop everything, then exit 128 + the signal's number. */
export function teardownOnSignals(): void {
  let signalled = false;
  const handle = (signal: NodeJS.Signals, code: number) => {
    if (signalled) process.exit(code);
    signalled = true;
    progress(`${signal}: stopping everything the bench started (again to exit at once)`);
    // A teardown already under way (say with --keep) is not enough: start a full one after it.
    void teardown()
      .then(() => {
        running = undefined;
        return teardown();
      })
      .finally(() => process.exit(code));
  };
  process.on('SIGINT', () => handle('SIGINT', 130));
  process.on('SIGTERM', () => handle('SIGTERM', 143));
  process.on('SIGHUP', () => handle('SIGHUP', 129));
}

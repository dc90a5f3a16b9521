/**
 * `upkeep run <action> --target T [--param k=v …] [--dry-run]`: one action,
 * in this process, through the same job runner as the API — same config,
 * state database, scope locks and audit trail — with the OS user as the
 * actor. For a shell, cron or an external scheduler: the exit code says how
 * it went (0 succeeded, 1 failed / cancelled / could not run, 2 invalid
 * request), the result is printed as JSON on stdout, progress on stderr.
 */
import { userInfo } from 'node:os';
import { actions } from './actions/index.js';
import { AlertmanagerSilencer } from './alerting/alertmanagerSilences.js';
import type { JobProgress } from './actions/types.js';
import type { Config } from './config/types.js';
import { ApiError } from './http/errors.js';
import type { Caller, JobRecord } from './jobs/jobRecord.js';
import { JobService } from './jobs/jobService.js';
import { errorMessage, type Logger } from './log.js';
import { TargetSet } from './targets/index.js';
import { withTimeout } from './timeout.js';

const PROBE_TIMEOUT_MS = 10_000;
const REDRAW_MS = 200;

export interface RunRequest {
  action: string;
  target: string;
  params: Record<string, unknown>;
  dryRun: boolean;
}

/** `k=v` pairs into params: a value that parses as JSON (numbers, true, null, quoted strings) is taken as JSON, anything else as text. */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--param ${JSON.stringify(pair)} must be key=value`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Plain text, such as public.orders or 2025-01-02T03:04:05Z.
    }
    params[key] = value;
  }
  return params;
}

/** Only the target the job runs on, without its background work: a CLI run must not start heartbeats or probe unrelated servers. */
function onlyTarget(config: Config, name: string): Config {
  return {
    ...config,
    postgres: config.postgres.filter((t) => t.name === name).map((t) => ({ ...t, heartbeat: undefined })),
    redis: config.redis.filter((t) => t.name === name),
    certificates: { endpoints: [], files: [] },
    disks: [],
  };
}

export async function runActionOnce(config: Config, request: RunRequest, log: Logger, stderr: NodeJS.WriteStream = process.stderr): Promise<number> {
  if (config.state === undefined) {
    stderr.write('upkeep run: the configuration has no `state` database; jobs and their audit trail need one\n');
    return 2;
  }
  const targets = await TargetSet.fromConfig(onlyTarget(config, request.target), log);
  const silencer = config.alertmanager ? new AlertmanagerSilencer({ url: config.alertmanager.url }) : undefined;
  const jobs = new JobService({ stateDsn: config.state.dsn, actions, targets, scheduled: undefined, silencer, log });
  const caller: Caller = { actor: `os:${osUser()}`, tokenName: undefined, role: 'admin', origin: 'cli' };
  try {
    for (const target of targets.probed()) {
      try {
        await withTimeout(target.probe(), PROBE_TIMEOUT_MS);
      } catch (err) {
        stderr.write(`upkeep run: target ${target.name} did not answer: ${errorMessage(err)}\n`);
        return 1;
      }
    }
    await jobs.start();
    const runner = jobs.runner;
    if (!runner) {
      const status = jobs.status;
      stderr.write(`upkeep run: the state database is not available${status.state === 'unavailable' ? `: ${status.error}` : ''}\n`);
      return 1;
    }
    let job: JobRecord;
    try {
      job = (await runner.submit({ action: request.action, target: request.target, params: request.params, dryRun: request.dryRun }, caller)).job;
    } catch (err) {
      if (err instanceof ApiError) {
        stderr.write(`upkeep run: ${err.message} (${err.code})\n`);
        return err.status === 409 || err.status >= 500 ? 1 : 2;
      }
      throw err;
    }
    stderr.write(`job ${job.id}: ${job.action} on ${job.target}${job.dryRun ? ' (dry run)' : ''}\n`);
    const onSignal = () => {
      stderr.write('\ncancelling…\n');
      void runner.cancel(job.id, caller).catch(() => undefined);
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    const bar = new ProgressDisplay(stderr);
    const redraw = setInterval(() => bar.show(runner.progressOf(job.id)), REDRAW_MS);
    const finished = await runner.waitFor(job.id);
    clearInterval(redraw);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    bar.end();
    if (!finished) throw new Error(`job ${job.id} vanished from the state database`);
    process.stdout.write(`${JSON.stringify({ id: finished.id, status: finished.status, result: finished.result, error: finished.error }, null, 2)}\n`);
    stderr.write(`job ${finished.id} ${finished.status}${finished.error ? `: ${finished.error.message}` : ''}\n`);
    return finished.status === 'succeeded' ? 0 : 1;
  } finally {
    await jobs.stop();
    await targets.close();
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/** A progress bar on a terminal; one line per phase change otherwise (logs, CI). */
class ProgressDisplay {
  private lastLine = '';
  private lastPhase = '';

  constructor(private readonly out: NodeJS.WriteStream) {}

  show(progress: JobProgress | undefined): void {
    if (!progress) return;
    if (!this.out.isTTY) {
      if (progress.phase !== this.lastPhase) this.out.write(`  ${progress.phase}${progress.percent !== undefined ? ` (${Math.round(progress.percent)}%)` : ''}\n`);
      this.lastPhase = progress.phase;
      return;
    }
    const width = 30;
    const bar =
      progress.percent === undefined
        ? '·'.repeat(width)
        : '#'.repeat(Math.round((Math.min(100, Math.max(0, progress.percent)) / 100) * width)).padEnd(width, '-');
    const percent = progress.percent === undefined ? '   ' : `${String(Math.round(progress.percent)).padStart(3)}%`;
    const line = `  [${bar}] ${percent} ${progress.phase}`.slice(0, Math.max(20, (this.out.columns || 80) - 1));
    if (line !== this.lastLine) this.out.write(`\r${line.padEnd(this.lastLine.length)}`);
    this.lastLine = line;
  }

  end(): void {
    if (this.out.isTTY && this.lastLine) this.out.write('\n');
  }
}

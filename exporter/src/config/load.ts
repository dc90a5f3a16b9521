/**
 * Loads the configuration: YAML → shape validation → secret resolution.
 *
 * Every problem is collected (not just the first), each with its field path and
 * line, so one run of `upkeep check-config` shows everything to fix.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { crossReferenceProblems } from './crossReferences.js';
import { configErrorMap, formatPath, issuesToProblems, lineLocator, type ConfigProblem, type PathSegment } from './problems.js';
import { configSchema, type ActionCatalogEntry, type CollectorCatalogEntry, type ParsedConfig } from './schema.js';
import { windowProblem } from '../scheduler/scheduleChecks.js';
import { resolveSecrets, secretSites } from './secrets.js';
import type { Config } from './types.js';

export interface LoadOptions {
  /** The collectors that exist (names and modes), to validate `collectors:`. */
  collectors: readonly CollectorCatalogEntry[];
  /** The actions that exist, to validate `schedules[]`; schedules' actions are not checked without it. */
  actions?: readonly ActionCatalogEntry[];
  /** Environment for `*Env` references; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export type LoadResult = { ok: true; config: Config; warnings: string[] } | { ok: false; problems: ConfigProblem[] };

type Locate = (path: readonly PathSegment[]) => number | undefined;

export async function loadConfigFile(file: string, options: LoadOptions): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }] };
  }
  return loadConfigText(text, options);
}

export async function loadConfigText(text: string, options: LoadOptions): Promise<LoadResult> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '(yaml)',
        line: e.linePos?.[0]?.line,
        // The line is reported separately; the parser's own position suffix is noise here.
        message: `invalid YAML: ${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  return validateConfig(raw, options, lineLocator(doc, lines));
}

/** Validates an already-parsed object (the embedded demo builds its config in code). */
export async function validateConfig(raw: unknown, options: LoadOptions, locate: Locate = () => undefined): Promise<LoadResult> {
  const parsed = configSchema.safeParse(raw, { error: configErrorMap, reportInput: true });
  const problems = parsed.success ? [] : issuesToProblems(parsed.error.issues, configSchema, locate);
  for (const { path, message } of crossReferenceProblems(raw, options.collectors, options.actions)) {
    problems.push({ path: formatPath(path), line: locate(path), message });
  }
  const secrets = await resolveSecrets(secretSites(raw), options.env ?? process.env, locate);
  problems.push(...secrets.problems);
  if (!parsed.success || problems.length > 0) return { ok: false, problems: inFileOrder(problems) };
  return { ok: true, config: withSecrets(parsed.data, secrets.values), warnings: warningsFor(parsed.data, options.collectors) };
}

/** Problems by line, so the report reads top to bottom; those without a line keep their order, last. */
function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

/** The validated configuration with each secret reference replaced by its value. */
function withSecrets(cfg: ParsedConfig, values: ReadonlyMap<string, string>): Config {
  const secret = (path: PathSegment[]) => {
    const value = values.get(formatPath(path));
    if (value === undefined) throw new Error(`secret of ${formatPath(path)} was not resolved`);
    return value;
  };
  return {
    ...cfg,
    postgres: cfg.postgres.map(({ dsn: _d, dsnEnv: _e, dsnFile: _f, ...rest }, i) => ({
      ...rest,
      dsn: secret(['postgres', i]),
      backups: cfg.backups.filter((b) => b.target === rest.name),
    })),
    redis: cfg.redis.map(({ url: _u, urlEnv: _e, urlFile: _f, ...rest }, i) => ({ ...rest, url: secret(['redis', i]) })),
    state: cfg.state ? { dsn: secret(['state']) } : undefined,
    auth: { tokens: cfg.auth.tokens.map(({ tokenEnv: _e, tokenFile: _f, ...rest }, i) => ({ ...rest, token: secret(['auth', 'tokens', i]) })) },
  };
}


/**
 * A backup source allowed as long as (or longer than) the whole `backups`
 * run would, when it hangs, cut the run: every source would then keep its
 * previous values instead of only the hanging one reporting down.
 */
function backupTimeoutWarnings(cfg: ParsedConfig, catalog: readonly CollectorCatalogEntry[]): string[] {
  const runLimit = cfg.collectors.backups?.timeoutSeconds ?? catalog.find((c) => c.name === 'backups')?.defaultTimeoutSeconds;
  if (runLimit === undefined) return [];
  return cfg.backups.flatMap((b, i) =>
    b.timeoutSeconds >= runLimit
      ? [
          `backups[${i}].timeoutSeconds (${b.timeoutSeconds} s) is not below the backups collector's run timeout (${runLimit} s): ` +
            'a hanging source would cut the whole run, so no source would be reported down; lower it or raise collectors.backups.timeoutSeconds',
        ]
      : [],
  );
}

function warningsFor(cfg: ParsedConfig, catalog: readonly CollectorCatalogEntry[]): string[] {
  const warnings: string[] = [...backupTimeoutWarnings(cfg, catalog)];
  cfg.postgres.forEach((t, i) => {
    if (t.dsn !== undefined && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(t.dsn)) {
      warnings.push(`postgres[${i}].dsn contains a password inline; prefer dsnEnv or dsnFile so the file can be shared`);
    }
  });
  if (cfg.alertmanager !== undefined && cfg.state === undefined) {
    warnings.push('alertmanager: silences are made for jobs, and jobs need a state database: without `state` it has no effect');
  }
  for (const [i, schedule] of cfg.schedules.entries()) {
    const never = windowProblem(schedule);
    if (never) warnings.push(`schedules[${i}].window: ${never}`);
  }
  return warnings;
}

/**
 * Loads the configuration: YAML → shape validation → secret resolution.
 *
 * Every problem is collected (not just the first), each with its field path and
 * line, so one run of `upkeep check-config` shows everything to fix.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { configSchema, type CollectorCatalogEntry, type ParsedConfig } from './schema.js';
import { configErrorMap, formatPath, issuesToProblems, lineLocator, type ConfigProblem, type PathSegment } from './problems.js';
import type { Config } from './types.js';

export interface LoadOptions {
  /** The collectors that exist (names and modes), to validate `collectors:`. */
  collectors: readonly CollectorCatalogEntry[];
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
  const schema = configSchema(options.collectors);
  const parsed = schema.safeParse(raw, { error: configErrorMap, reportInput: true });
  if (!parsed.success) {
    return { ok: false, problems: inFileOrder(issuesToProblems(parsed.error.issues, schema, locate)) };
  }
  const resolver = new SecretResolver(options.env ?? process.env, locate);
  const config = await resolveSecrets(parsed.data, resolver);
  if (resolver.problems.length > 0) return { ok: false, problems: resolver.problems };
  return { ok: true, config, warnings: warningsFor(parsed.data) };
}

/** Problems by line, so the report reads top to bottom; those without a line keep their order, last. */
function inFileOrder(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}

interface SecretRef {
  inline?: string | undefined;
  env?: string | undefined;
  file?: string | undefined;
}

/** Which configuration field a secret came from, for messages that never show the secret. */
interface SecretFieldNames {
  inline: string;
  env: string;
  file: string;
}

class SecretResolver {
  readonly problems: ConfigProblem[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly locate: Locate,
  ) {}

  async resolve(path: PathSegment[], ref: SecretRef, fields: SecretFieldNames, check?: (value: string) => string | undefined): Promise<string> {
    let value: string | undefined;
    let field: string;
    if (ref.inline !== undefined) {
      field = fields.inline;
      value = ref.inline;
    } else if (ref.env !== undefined) {
      field = fields.env;
      value = this.env[ref.env];
      if (value === undefined || value.trim() === '') {
        this.fail([...path, field], `environment variable ${ref.env} is ${value === undefined ? 'not set' : 'empty'}`);
        return '';
      }
      value = value.trim();
    } else {
      field = fields.file;
      try {
        value = (await readFile(ref.file!, 'utf8')).trim();
      } catch (err) {
        this.fail([...path, field], `cannot read ${ref.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        return '';
      }
      if (value === '') {
        this.fail([...path, field], `${ref.file} is empty`);
        return '';
      }
    }
    const invalid = check?.(value);
    if (invalid) {
      const origin = field === fields.inline ? '' : ` (the value from ${field === fields.env ? `$${ref.env}` : ref.file})`;
      this.fail([...path, field], `${invalid}${origin}`);
    }
    return value;
  }

  private fail(path: PathSegment[], message: string): void {
    this.problems.push({ path: formatPath(path), line: this.locate(path), message });
  }
}

const DSN_FIELDS: SecretFieldNames = { inline: 'dsn', env: 'dsnEnv', file: 'dsnFile' };
const URL_FIELDS: SecretFieldNames = { inline: 'url', env: 'urlEnv', file: 'urlFile' };
const TOKEN_FIELDS: SecretFieldNames = { inline: 'token', env: 'tokenEnv', file: 'tokenFile' };

export const MIN_TOKEN_LENGTH = 16;

function checkUrl(protocols: readonly string[], example: string) {
  return (value: string): string | undefined => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `must be a URL such as ${example}`;
    }
    return protocols.includes(url.protocol) ? undefined : `must be a URL such as ${example} (got scheme ${url.protocol})`;
  };
}

const checkDsn = checkUrl(['postgres:', 'postgresql:'], 'postgresql://user@host:5432/postgres');
const checkRedisUrl = checkUrl(['redis:', 'rediss:'], 'redis://host:6379');
const checkToken = (value: string) =>
  value.length < MIN_TOKEN_LENGTH ? `token is ${value.length} characters; use at least ${MIN_TOKEN_LENGTH}` : undefined;

/** Sequential on purpose: problems come out in the order of the file. */
async function resolveSecrets(cfg: ParsedConfig, r: SecretResolver): Promise<Config> {
  const postgres: Config['postgres'] = [];
  for (const [i, { dsn, dsnEnv, dsnFile, ...rest }] of cfg.postgres.entries()) {
    postgres.push({ ...rest, dsn: await r.resolve(['postgres', i], { inline: dsn, env: dsnEnv, file: dsnFile }, DSN_FIELDS, checkDsn) });
  }
  const redis: Config['redis'] = [];
  for (const [i, { url, urlEnv, urlFile, ...rest }] of cfg.redis.entries()) {
    redis.push({ ...rest, url: await r.resolve(['redis', i], { inline: url, env: urlEnv, file: urlFile }, URL_FIELDS, checkRedisUrl) });
  }
  const state = cfg.state
    ? { dsn: await r.resolve(['state'], { inline: cfg.state.dsn, env: cfg.state.dsnEnv, file: cfg.state.dsnFile }, DSN_FIELDS, checkDsn) }
    : undefined;
  const tokens: Config['auth']['tokens'] = [];
  for (const [i, { tokenEnv, tokenFile, ...rest }] of cfg.auth.tokens.entries()) {
    tokens.push({ ...rest, token: await r.resolve(['auth', 'tokens', i], { env: tokenEnv, file: tokenFile }, TOKEN_FIELDS, checkToken) });
  }
  return { ...cfg, postgres, redis, auth: { tokens }, state };
}

/**
 * Sections whose shape is validated now but which no running part reads yet.
 * Saying so at start-up is better than silently ignoring an SRE's settings;
 * each entry goes away in the release that implements it.
 */
const NOT_YET_ACTIVE: { key: keyof ParsedConfig; present: (c: ParsedConfig) => boolean; what: string }[] = [
  { key: 'certificates', present: (c) => c.certificates.endpoints.length + c.certificates.files.length > 0, what: 'certificate expiry collection' },
  { key: 'disks', present: (c) => c.disks.length > 0, what: 'disk collection' },
  { key: 'backups', present: (c) => c.backups.length > 0, what: 'backup collection' },
  { key: 'state', present: (c) => c.state !== undefined, what: 'the job and audit store' },
  { key: 'auth', present: (c) => c.auth.tokens.length > 0, what: 'the maintenance action API' },
  { key: 'schedules', present: (c) => c.schedules.length > 0, what: 'scheduled maintenance actions' },
  { key: 'alertmanager', present: (c) => c.alertmanager !== undefined, what: 'maintenance silences' },
];

function warningsFor(cfg: ParsedConfig): string[] {
  const warnings: string[] = [];
  cfg.postgres.forEach((t, i) => {
    if (t.dsn !== undefined && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(t.dsn)) {
      warnings.push(`postgres[${i}].dsn contains a password inline; prefer dsnEnv or dsnFile so the file can be shared`);
    }
  });
  for (const section of NOT_YET_ACTIVE) {
    if (section.present(cfg)) {
      warnings.push(`${section.key}: validated but has no effect yet (not part of this version: ${section.what})`);
    }
  }
  return warnings;
}

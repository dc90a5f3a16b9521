/**
 * Secrets referenced by the configuration: connection strings, URLs and
 * tokens given inline or, better, through `…Env` (an environment variable)
 * or `…File` (a file, trailing newline ignored). Messages name the field and
 * the variable or file, never the secret.
 *
 * Sites are found in the raw file, so a missing variable is reported even
 * when another field of the file is wrong.
 */
import { readFile } from 'node:fs/promises';
import { asArray, asRecord } from './raw.js';
import { formatPath, type ConfigProblem, type PathSegment } from './problems.js';
import { ENV_VAR_PATTERN } from './schema.js';

export const MIN_TOKEN_LENGTH = 16;

interface SecretFields {
  inline?: string;
  env: string;
  file: string;
  /** Returns what is wrong with a resolved value, if anything. */
  check: (value: string) => string | undefined;
}

export interface SecretSite {
  path: PathSegment[];
  fields: SecretFields;
  /** The one field the file sets, and its value (inline secret, variable name or file path). */
  given: { field: string; value: string; kind: 'inline' | 'env' | 'file' };
}

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

const DSN: SecretFields = { inline: 'dsn', env: 'dsnEnv', file: 'dsnFile', check: checkUrl(['postgres:', 'postgresql:'], 'postgresql://user@host:5432/postgres') };
const REDIS_URL: SecretFields = { inline: 'url', env: 'urlEnv', file: 'urlFile', check: checkUrl(['redis:', 'rediss:'], 'redis://host:6379') };
const TOKEN: SecretFields = {
  env: 'tokenEnv',
  file: 'tokenFile',
  check: (value) => (value.length < MIN_TOKEN_LENGTH ? `token is ${value.length} characters; use at least ${MIN_TOKEN_LENGTH}` : undefined),
};

/** Where the file references a secret; sites the shape check rejects (none or several sources) are left to it. */
export function secretSites(raw: unknown): SecretSite[] {
  const cfg = asRecord(raw);
  if (!cfg) return [];
  const sites: SecretSite[] = [];
  const consider = (path: PathSegment[], item: unknown, fields: SecretFields) => {
    const record = asRecord(item);
    if (!record) return;
    const present = (['inline', 'env', 'file'] as const).filter((kind) => {
      const field = fields[kind];
      return field !== undefined && record[field] !== undefined;
    });
    if (present.length !== 1) return;
    const kind = present[0]!;
    const field = fields[kind]!;
    const value = record[field];
    if (typeof value !== 'string' || value === '' || (kind === 'env' && !ENV_VAR_PATTERN.test(value))) return;
    sites.push({ path, fields, given: { field, value, kind } });
  };
  asArray(cfg.postgres).forEach((item, i) => consider(['postgres', i], item, DSN));
  asArray(cfg.redis).forEach((item, i) => consider(['redis', i], item, REDIS_URL));
  consider(['state'], cfg.state, DSN);
  asArray(asRecord(cfg.auth)?.tokens).forEach((item, i) => consider(['auth', 'tokens', i], item, TOKEN));
  return sites;
}

export interface ResolvedSecrets {
  /** By the formatted path of the item (`postgres[0]`). */
  values: Map<string, string>;
  problems: ConfigProblem[];
}

/** Sequential on purpose: problems come out in the order of the file. */
export async function resolveSecrets(
  sites: readonly SecretSite[],
  env: NodeJS.ProcessEnv,
  locate: (path: readonly PathSegment[]) => number | undefined,
): Promise<ResolvedSecrets> {
  const values = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  for (const { path, fields, given } of sites) {
    const fieldPath = [...path, given.field];
    const fail = (message: string) => problems.push({ path: formatPath(fieldPath), line: locate(fieldPath), message });
    let value: string;
    if (given.kind === 'inline') {
      value = given.value;
    } else if (given.kind === 'env') {
      const fromEnv = env[given.value];
      if (fromEnv === undefined || fromEnv.trim() === '') {
        fail(`environment variable ${given.value} is ${fromEnv === undefined ? 'not set' : 'empty'}`);
        continue;
      }
      value = fromEnv.trim();
    } else {
      try {
        value = (await readFile(given.value, 'utf8')).trim();
      } catch (err) {
        fail(`cannot read ${given.value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        continue;
      }
      if (value === '') {
        fail(`${given.value} is empty`);
        continue;
      }
    }
    const invalid = fields.check(value);
    if (invalid) {
      fail(given.kind === 'inline' ? invalid : `${invalid} (the value from ${given.kind === 'env' ? `$${given.value}` : given.value})`);
      continue;
    }
    values.set(formatPath(path), value);
  }
  return { values, problems };
}

/**
 * The configuration file's shape. It is part of Upkeep's interface: README.md
 * documents every field here, and check-config reports every problem with the
 * path of the field that has it.
 *
 * Secrets are referenced, never required inline: `dsnEnv` / `dsnFile`,
 * `urlEnv` / `urlFile`, `tokenEnv` / `tokenFile`. They are resolved by
 * `load.ts` after the shape is valid.
 */
import { z } from 'zod';
import { validateDetailed as validateCron } from 'node-cron';
import { LOG_LEVELS } from '../log.js';
import { parseListenAddress } from './listenAddress.js';

/** What the validator needs to know about the collectors that exist. */
export interface CollectorCatalogEntry {
  name: string;
  mode: 'live' | 'scheduled';
  /** Scheduled collectors: the hard limit of one run unless `collectors.<name>.timeoutSeconds` says otherwise. */
  defaultTimeoutSeconds?: number;
}

/** What the validator needs to know about the actions that exist, to check `schedules[]`. */
export interface ActionCatalogEntry {
  name: string;
  targetKind: string;
  params: z.ZodType;
}

export const DEFAULT_LISTEN = '0.0.0.0:9854';

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const ENV_VAR_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const name = z
  .string()
  .regex(NAME_PATTERN, 'must start with a letter or digit and use only letters, digits, "_", "." and "-" (at most 63 characters)');

const envVarName = z.string().regex(ENV_VAR_PATTERN, 'must be an environment variable name such as UPKEEP_MAIN_DSN');
const filePath = z.string().min(1, 'must not be empty');

const seconds = (fallback: number, max: number) =>
  z.number().positive('must be greater than 0').max(max, `must be at most ${max}`).default(fallback);

const regexSource = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${(err as Error).message}` });
  }
});

const cronExpression = z.string().superRefine((expr, ctx) => {
  const result = validateCron(expr);
  if (!result.valid) {
    const detail = result.errors.map((e) => e.message).join('; ');
    ctx.addIssue({ code: 'custom', message: `is not a valid cron expression (${detail || 'unparsable'})` });
  }
});

const listen = z.string().superRefine((value, ctx) => {
  const parsed = parseListenAddress(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
});

/** Exactly one of the inline value and its `*Env` / `*File` references. */
function exactlyOne(fields: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = fields.filter((f) => value[f] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `needs one of ${fields.join(', ')}`
            : `has ${present.join(' and ')}: give exactly one of ${fields.join(', ')}`,
      });
    }
  };
}

const databaseFilter = z
  .strictObject({
    include: z.array(regexSource).min(1, 'needs at least one pattern').default(['.*']),
    exclude: z.array(regexSource).default(['^template']),
  })
  .prefault({});

/** A schema-qualified table name such as `public.upkeep_heartbeat` (quoted by the exporter, not by you). */
const qualifiedTable = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]{0,62}\.[A-Za-z_][A-Za-z0-9_$]{0,62}$/,
    'must be schema.table, each part a plain identifier (letters, digits, "_", "$"; not starting with a digit)',
  );

/** Writes a timestamp on the primary; every node reads it back: end-to-end lag even when the primary is idle. */
const heartbeat = z.strictObject({
  table: qualifiedTable.default('public.upkeep_heartbeat'),
  intervalSeconds: seconds(10, 3600),
});

/** pg_stat_statements top-N with sticky membership. */
const statements = z
  .strictObject({
    topN: z.number().int('must be a whole number').min(1).max(1000).default(50),
    stickyRefreshes: z.number().int('must be a whole number').min(0).max(1000).default(5),
    queryText: z.boolean().default(false),
    queryTextMaxLength: z.number().int('must be a whole number').min(16).max(4096).default(200),
  })
  .prefault({});

/** Per-table series (cache, bloat, vacuum): top-N per database above a size floor. */
const tables = z
  .strictObject({
    topN: z.number().int('must be a whole number').min(1).max(1000).default(50),
    minSizeBytes: z.number().int('must be a whole number').min(0).default(1_048_576),
  })
  .prefault({});

const postgresTarget = z
  .strictObject({
    name,
    dsn: z.string().min(1).optional(),
    dsnEnv: envVarName.optional(),
    dsnFile: filePath.optional(),
    databases: databaseFilter,
    statementTimeoutSeconds: seconds(5, 3600),
    lockTimeoutSeconds: seconds(1, 3600),
    connectTimeoutSeconds: seconds(5, 300),
    maxConnections: z.number().int('must be a whole number').min(1).max(50).default(3),
    heartbeat: heartbeat.optional(),
    statements,
    tables,
  })
  .superRefine(exactlyOne(['dsn', 'dsnEnv', 'dsnFile']));

const redisTarget = z
  .strictObject({
    name,
    url: z.string().min(1).optional(),
    urlEnv: envVarName.optional(),
    urlFile: filePath.optional(),
    connectTimeoutSeconds: seconds(5, 300),
  })
  .superRefine(exactlyOne(['url', 'urlEnv', 'urlFile']));

const tlsEndpoint = z.strictObject({
  name,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(['tls', 'postgres']).default('tls'),
  servername: z.string().min(1).optional(),
});

const certificateFiles = z.strictObject({
  name,
  paths: z.array(z.string().min(1)).min(1, 'needs at least one path or glob'),
});

const certificates = z
  .strictObject({
    endpoints: z.array(tlsEndpoint).default([]),
    files: z.array(certificateFiles).default([]),
  })
  .prefault({});

const disk = z.strictObject({
  name,
  path: z.string().startsWith('/', 'must be an absolute path'),
});

const backupSource = z
  .strictObject({
    name,
    target: name,
    kind: z.enum(['dump-dir', 'pgbackrest', 'walg']),
    path: z.string().startsWith('/', 'must be an absolute path').optional(),
    stanza: z.string().min(1).optional(),
    /** pgbackrest / wal-g executable; a path or a name looked up in PATH. */
    command: z.string().min(1).optional(),
    /** Passed as `--config` to pgbackrest or wal-g. */
    configFile: z.string().startsWith('/', 'must be an absolute path').optional(),
    /** dump-dir: the directory holding the pg_dump and pg_restore the backup actions run; PATH when absent. */
    binDir: z.string().startsWith('/', 'must be an absolute path').optional(),
    timeoutSeconds: seconds(30, 3600),
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'dump-dir' && b.path === undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'is required for kind dump-dir' });
    }
    if (b.kind === 'pgbackrest' && b.stanza === undefined) {
      ctx.addIssue({ code: 'custom', path: ['stanza'], message: 'is required for kind pgbackrest' });
    }
    if (b.kind !== 'dump-dir' && b.path !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: `only applies to kind dump-dir, not ${b.kind}` });
    }
    if (b.kind === 'dump-dir') {
      for (const key of ['command', 'configFile'] as const) {
        if (b[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only applies to kinds pgbackrest and walg, not dump-dir' });
      }
    }
    if (b.kind !== 'dump-dir' && b.binDir !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['binDir'], message: `only applies to kind dump-dir, not ${b.kind}` });
    }
    if (b.kind !== 'pgbackrest' && b.stanza !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stanza'], message: `only applies to kind pgbackrest, not ${b.kind}` });
    }
  });

const secretDsn = z
  .strictObject({
    dsn: z.string().min(1).optional(),
    dsnEnv: envVarName.optional(),
    dsnFile: filePath.optional(),
  })
  .superRefine(exactlyOne(['dsn', 'dsnEnv', 'dsnFile']));

const apiToken = z
  .strictObject({
    name,
    tokenEnv: envVarName.optional(),
    tokenFile: filePath.optional(),
    role: z.enum(['viewer', 'operator', 'admin']),
  })
  .superRefine(exactlyOne(['tokenEnv', 'tokenFile']));

const auth = z.strictObject({ tokens: z.array(apiToken).default([]) }).prefault({});

const timeOfDay = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be a time of day HH:MM (24-hour), such as 01:30');

const timeZone = z.string().superRefine((zone, ctx) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    ctx.addIssue({ code: 'custom', message: `is not a time zone this system knows (use an IANA name such as Europe/Berlin or UTC)` });
  }
});

/** When a scheduled run may start; a window may cross midnight (22:00–04:00). */
const maintenanceWindow = z
  .strictObject({
    start: timeOfDay,
    end: timeOfDay,
    timezone: timeZone.default('UTC'),
  })
  .refine((w) => w.start !== w.end, { path: ['end'], message: 'must differ from start (an empty window never opens)' });

const schedule = z.strictObject({
  name,
  action: z.string().min(1),
  target: name,
  cron: cronExpression,
  params: z.record(z.string(), z.unknown()).default({}),
  /** Only start a run inside this window; a tick outside it is skipped and logged. */
  window: maintenanceWindow.optional(),
  /** Cron times are read in this zone (node-cron's `timezone`); the system's when absent. */
  timezone: timeZone.optional(),
});

const alertmanager = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
});

const collectorSettings = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: cronExpression.optional(),
  timeoutSeconds: z.number().positive('must be greater than 0').max(86_400).optional(),
});

/**
 * The shape of the file. Checks that span sections (unique names,
 * references, collector names) are in crossReferences.ts.
 */
export const configSchema = z.strictObject({
  listen: listen.default(DEFAULT_LISTEN),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  postgres: z.array(postgresTarget).default([]),
  redis: z.array(redisTarget).default([]),
  certificates,
  disks: z.array(disk).default([]),
  backups: z.array(backupSource).default([]),
  state: secretDsn.optional(),
  auth,
  schedules: z.array(schedule).default([]),
  alertmanager: alertmanager.optional(),
  collectors: z.record(z.string(), collectorSettings).default({}),
});

export type ParsedConfig = z.output<typeof configSchema>;

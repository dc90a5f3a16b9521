/**
 * The Overview's rows: one per target, each cell a value with the severity
 * the alert rules would give it and the page that fixes it; worst row first.
 * Pure: the page fetches, this decides.
 */
import type { ExporterTarget } from '../../api/exporterTypes';
import type { Sample } from '../../api/prometheus';
import { pageUrl, ROUTES } from '../../constants';
import { formatBytes, formatDuration, formatPercent } from '../../format/values';
import { overviewQueries } from '../../metrics/queries';
import { groupBy } from '../../metrics/samples';
import { severityOf, severityRank, thresholdExtra, worstSeverity, type Severity } from '../../metrics/thresholds';

export type OverviewMetrics = Record<keyof typeof overviewQueries, Sample[]>;

export interface Cell {
  severity: Severity;
  text: string;
  tooltip?: string;
  href?: string;
}

export const COLUMNS = [
  'up',
  'backup',
  'replication',
  'cache',
  'bloat',
  'query',
  'certificate',
  'disk',
  'collectors',
] as const;
export type Column = (typeof COLUMNS)[number];

export interface OverviewRow {
  target: string;
  kind: string;
  severity: Severity;
  cells: Record<Column, Cell>;
}

const NONE: Cell = { severity: 'unknown', text: '—' };

/** Which page shows a failing collector's family. */
const COLLECTOR_PAGES: Record<string, ROUTES> = {
  backups: ROUTES.Backups,
  pg_wal_archive: ROUTES.Backups,
  pg_replication: ROUTES.Replication,
  pg_heartbeat: ROUTES.Replication,
  pg_statements: ROUTES.Queries,
  pg_sessions: ROUTES.Queries,
  pg_bloat: ROUTES.Bloat,
  pg_table_cache: ROUTES.Queries,
  pg_tls: ROUTES.Certificates,
  pg_cert_file: ROUTES.Certificates,
  tls_endpoints: ROUTES.Certificates,
  cert_files: ROUTES.Certificates,
  disk: ROUTES.Certificates,
  pg_disk: ROUTES.Certificates,
};

function upCell(samples: Sample[]): Cell {
  const sample = samples[0];
  if (!sample) {
    return NONE;
  }
  return sample.value === 1
    ? { severity: 'ok', text: 'up' }
    : { severity: 'critical', text: 'down', tooltip: 'The server did not answer the last scrape’s probe.' };
}

function backupCell(target: string, ages: Sample[], down: Sample[]): Cell {
  const href = pageUrl(ROUTES.Backups, { target });
  if (down.length > 0) {
    const sources = down.map((s) => s.labels.source).join(', ');
    return { severity: 'critical', text: 'source down', tooltip: `Backup source ${sources} could not be read.`, href };
  }
  if (ages.length === 0) {
    return NONE;
  }
  const oldest = ages.reduce((a, b) => (b.value > a.value ? b : a));
  const never = oldest.value > Date.now() / 1000 - 86_400;
  return {
    severity: severityOf('backupAgeSeconds', oldest.value),
    text: never ? 'never' : formatDuration(oldest.value),
    tooltip: `Newest backup of source ${oldest.labels.source ?? '?'}${never ? ': none yet' : ` is ${formatDuration(oldest.value)} old`}.`,
    href,
  };
}

function replicationCell(target: string, seconds: Sample[], bytes: Sample[]): Cell {
  if (seconds.length === 0 && bytes.length === 0) {
    return NONE;
  }
  const lagSeconds = Math.max(...seconds.map((s) => s.value), 0);
  const lagBytes = Math.max(...bytes.map((s) => s.value), 0);
  return {
    severity: worstSeverity([
      severityOf('replicationLagSeconds', lagSeconds),
      severityOf('replicationLagBytes', lagBytes),
    ]),
    text: `${formatDuration(lagSeconds)} · ${formatBytes(lagBytes)}`,
    tooltip: `Worst standby replay lag (${seconds.length || bytes.length} standby).`,
    href: pageUrl(ROUTES.Replication, { target }),
  };
}

interface Traffic {
  /** What the ratio is of: a database's name, or empty for Redis. */
  name: string;
  hits: number;
  misses: number;
}

/**
 * The hit ratio as its alert judges it: each database (or Redis) on its own,
 * those below the traffic guard ignored; the cell shows the worst judged one.
 */
function ratioCell(
  parts: Traffic[],
  key: 'pgCacheHitRatio' | 'redisHitRatio',
  guard: string,
  href: string | undefined
): Cell {
  if (parts.length === 0) {
    return NONE;
  }
  const minimum = thresholdExtra(key, guard) ?? 0;
  const rated = parts
    .filter((p) => p.hits + p.misses > 0)
    .map((p) => ({ ...p, total: p.hits + p.misses, ratio: p.hits / (p.hits + p.misses) }));
  if (rated.length === 0) {
    return { severity: 'ok', text: 'idle', tooltip: 'No lookups in the last 10 minutes.', href };
  }
  const judged = rated.filter((p) => p.total >= minimum);
  const worst = (judged.length > 0 ? judged : rated).reduce((a, b) => (b.ratio < a.ratio ? b : a));
  const where = worst.name ? ` in ${worst.name}` : '';
  if (judged.length === 0) {
    return {
      severity: 'ok',
      text: formatPercent(worst.ratio),
      tooltip: `Too little traffic to judge (under ${minimum}/s${where}): the alert ignores it too.`,
      href,
    };
  }
  return {
    severity: severityOf(key, worst.ratio),
    text: formatPercent(worst.ratio),
    tooltip: `Lowest hit ratio over 10 minutes${where}, ${worst.total.toFixed(0)} lookups/s.`,
    href,
  };
}

/** Hits and misses joined by database. */
function traffic(hits: Sample[], misses: Sample[]): Traffic[] {
  const byName = new Map<string, Traffic>();
  for (const s of hits) {
    const name = s.labels.datname ?? '';
    byName.set(name, { name, hits: s.value, misses: byName.get(name)?.misses ?? 0 });
  }
  for (const s of misses) {
    const name = s.labels.datname ?? '';
    byName.set(name, { name, hits: byName.get(name)?.hits ?? 0, misses: s.value });
  }
  return [...byName.values()].filter((t) => Number.isFinite(t.hits) && Number.isFinite(t.misses));
}

function bloatCell(target: string, ratios: Sample[], bytes: Sample[]): Cell {
  if (ratios.length === 0) {
    return NONE;
  }
  const floor = thresholdExtra('tableBloatRatio', 'minBloatBytes') ?? 0;
  const bytesOf = (s: Sample) =>
    bytes.find(
      (b) =>
        b.labels.datname === s.labels.datname &&
        b.labels.schema === s.labels.schema &&
        b.labels.table === s.labels.table
    )?.value ?? 0;
  // The worst table the alert would judge (enough bloat to matter), else simply the worst ratio.
  const judged = ratios.filter((s) => bytesOf(s) >= floor);
  const pool = judged.length > 0 ? judged : ratios;
  const worst = pool.reduce((a, b) => (b.value > a.value ? b : a));
  const name = `${worst.labels.schema}.${worst.labels.table}`;
  return {
    severity: judged.length > 0 ? severityOf('tableBloatRatio', worst.value) : 'ok',
    text: `${formatPercent(worst.value, 0)} ${name}`,
    tooltip: `${name} in ${worst.labels.datname}: ${formatBytes(bytesOf(worst))} of estimated bloat${judged.length === 0 ? ` (below the ${formatBytes(floor)} the alert starts at)` : ''}.`,
    href: pageUrl(ROUTES.Bloat, { target, database: worst.labels.datname, table: name }),
  };
}

function queryCell(target: string, samples: Sample[]): Cell {
  const sample = samples[0];
  if (!sample) {
    return NONE;
  }
  return {
    severity: severityOf('longestQuerySeconds', sample.value),
    text: sample.value === 0 ? 'none' : formatDuration(sample.value),
    tooltip: 'The longest-running active query.',
    href: pageUrl(ROUTES.Queries, { target }),
  };
}

function certificateCell(target: string, samples: Sample[]): Cell {
  if (samples.length === 0) {
    return NONE;
  }
  const nearest = samples.reduce((a, b) => (b.value < a.value ? b : a));
  const days = nearest.value / 86_400;
  return {
    severity: severityOf('certDaysLeft', days),
    text: days < 0 ? `expired ${formatDuration(-nearest.value)} ago` : `${Math.floor(days)} d`,
    tooltip: `Earliest expiry in the chain (${nearest.labels.source ?? 'certificate'}).`,
    href: pageUrl(ROUTES.Certificates, { target }),
  };
}

function diskCell(target: string, all: Sample[]): Cell {
  const samples = all.filter((s) => Number.isFinite(s.value));
  if (samples.length === 0) {
    return NONE;
  }
  const fullest = samples.reduce((a, b) => (b.value > a.value ? b : a));
  return {
    severity: severityOf('diskUsedRatio', fullest.value),
    text: `${formatPercent(fullest.value, 0)} ${fullest.labels.role ?? ''}`.trim(),
    tooltip: `${fullest.labels.mountpoint ?? fullest.labels.path ?? ''} is the fullest filesystem of this target.`,
    href: pageUrl(ROUTES.Certificates, { target }),
  };
}

function collectorsCell(target: string, failing: Sample[], hasCollectors: boolean): Cell {
  if (failing.length === 0) {
    return hasCollectors ? { severity: 'ok', text: 'all ok' } : NONE;
  }
  const names = failing.map((s) => s.labels.collector ?? '?').sort();
  const page = names.map((n) => COLLECTOR_PAGES[n]).find((p) => p !== undefined);
  return {
    severity: 'critical',
    text: `${names.length} failing`,
    tooltip: `Failing: ${names.join(', ')}. The exporter log says why (collector.failed).`,
    href: page ? pageUrl(page, { target }) : undefined,
  };
}

export function overviewRows(targets: readonly ExporterTarget[], m: OverviewMetrics): OverviewRow[] {
  const by = <K extends keyof OverviewMetrics>(key: K) => groupBy(m[key], 'target');
  const groups = {
    up: by('up'),
    backupAge: by('backupAge'),
    backupSourceDown: by('backupSourceDown'),
    lagSeconds: by('lagSeconds'),
    lagBytes: by('lagBytes'),
    pgBlocksHit: by('pgBlocksHit'),
    pgBlocksRead: by('pgBlocksRead'),
    redisHits: by('redisHits'),
    redisMisses: by('redisMisses'),
    bloatRatio: by('bloatRatio'),
    bloatBytes: by('bloatBytes'),
    longestQuery: by('longestQuery'),
    certSecondsLeft: by('certSecondsLeft'),
    diskUsed: by('diskUsed'),
    failingCollectors: by('failingCollectors'),
  };
  const kinds = new Map(targets.map((t) => [t.name, t.kind]));
  // Targets the exporter knows, plus any Prometheus has series for (another replica's, or a renamed one).
  const names = new Set<string>([...kinds.keys()]);
  for (const group of [
    groups.up,
    groups.backupAge,
    groups.certSecondsLeft,
    groups.diskUsed,
    groups.failingCollectors,
  ]) {
    for (const name of group.keys()) {
      if (name) {
        names.add(name);
      }
    }
  }
  const get = (group: Map<string, Sample[]>, target: string) => group.get(target) ?? [];

  const rows = [...names].map((target): OverviewRow => {
    const kind = kinds.get(target) ?? get(groups.up, target)[0]?.labels.kind ?? '';
    const cache =
      kind === 'redis'
        ? ratioCell(
            traffic(get(groups.redisHits, target), get(groups.redisMisses, target)),
            'redisHitRatio',
            'minLookupsPerSecond',
            undefined
          )
        : ratioCell(
            traffic(get(groups.pgBlocksHit, target), get(groups.pgBlocksRead, target)),
            'pgCacheHitRatio',
            'minBlocksPerSecond',
            pageUrl(ROUTES.Queries, { target })
          );
    const cells: Record<Column, Cell> = {
      up: upCell(get(groups.up, target)),
      backup: backupCell(target, get(groups.backupAge, target), get(groups.backupSourceDown, target)),
      replication: replicationCell(target, get(groups.lagSeconds, target), get(groups.lagBytes, target)),
      cache,
      bloat: bloatCell(target, get(groups.bloatRatio, target), get(groups.bloatBytes, target)),
      query: queryCell(target, get(groups.longestQuery, target)),
      certificate: certificateCell(target, get(groups.certSecondsLeft, target)),
      disk: diskCell(target, get(groups.diskUsed, target)),
      collectors: collectorsCell(
        target,
        get(groups.failingCollectors, target),
        groups.up.has(target) || kinds.has(target)
      ),
    };
    return { target, kind, severity: worstSeverity(COLUMNS.map((c) => cells[c].severity)), cells };
  });
  return rows.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.target.localeCompare(b.target));
}

/**
 * Checks that span sections: unique names, references between sections,
 * collector settings, and that something is monitored at all.
 *
 * They read the raw parsed YAML defensively rather than the validated
 * result, so they report even when some other field has the wrong type —
 * check-config shows every problem in one run.
 */
import type { PathSegment } from './problems.js';
import { asArray, asRecord } from './raw.js';
import type { ActionCatalogEntry, CollectorCatalogEntry } from './schema.js';
import { scheduleProblem } from '../scheduler/scheduleChecks.js';
import { closestMatch } from './suggest.js';

export interface PathProblem {
  path: PathSegment[];
  message: string;
}

function stringField(value: unknown, field: string): string | undefined {
  const v = asRecord(value)?.[field];
  return typeof v === 'string' ? v : undefined;
}

function unknownReference(value: string, known: readonly string[], what: string): string {
  if (known.length === 0) return `refers to ${what} "${value}", but none is configured`;
  const suggestion = closestMatch(value, known);
  return `refers to unknown ${what} "${value}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known: ${known.join(', ')}`;
}

/** Names are the `target` label, the API's target id and what schedules point at: one namespace per list. */
function duplicateNames(items: unknown[], path: PathSegment[], what: string, problems: PathProblem[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const name = stringField(item, 'name');
    if (name === undefined) return;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
    } else {
      problems.push({ path: [...path, index, 'name'], message: `"${name}" is already the name of ${what} ${path.join('.')}[${first}]` });
    }
  });
}

/** A schedule's action must exist, run on its target's kind, and accept its params (the checks the scheduler repeats at start). */
function scheduledActionProblems(schedule: unknown, index: number, actions: readonly ActionCatalogEntry[], targetKinds: ReadonlyMap<string, string>): PathProblem[] {
  const action = stringField(schedule, 'action');
  const target = stringField(schedule, 'target');
  // A missing or unknown target is reported above; the action is still checked.
  if (action === undefined) return [];
  const problem = scheduleProblem({ action, target: target ?? '', params: asRecord(schedule)?.params ?? {} }, actions, (name) =>
    target === undefined || !targetKinds.has(name) ? actions.find((a) => a.name === action)?.targetKind : targetKinds.get(name),
  );
  return problem ? [{ path: ['schedules', index, problem.field], message: problem.message }] : [];
}

export function crossReferenceProblems(raw: unknown, collectors: readonly CollectorCatalogEntry[], actions?: readonly ActionCatalogEntry[]): PathProblem[] {
  const cfg = asRecord(raw);
  if (!cfg) return [];
  const problems: PathProblem[] = [];
  const postgres = asArray(cfg.postgres);
  const redis = asArray(cfg.redis);
  const certificates = asRecord(cfg.certificates);
  const endpoints = asArray(certificates?.endpoints);
  const files = asArray(certificates?.files);
  const disks = asArray(cfg.disks);
  const backups = asArray(cfg.backups);
  const tokens = asArray(asRecord(cfg.auth)?.tokens);
  const schedules = asArray(cfg.schedules);

  const targetPaths = new Map<string, PathSegment[]>();
  for (const [section, items] of [['postgres', postgres], ['redis', redis]] as const) {
    items.forEach((item, index) => {
      const name = stringField(item, 'name');
      if (name === undefined) return;
      const first = targetPaths.get(name);
      if (first) {
        problems.push({
          path: [section, index, 'name'],
          message: `"${name}" is already the name of target ${String(first[0])}[${String(first[1])}]; target names must be unique across postgres and redis`,
        });
      } else {
        targetPaths.set(name, [section, index]);
      }
    });
  }
  duplicateNames(endpoints, ['certificates', 'endpoints'], 'endpoint', problems);
  duplicateNames(files, ['certificates', 'files'], 'file source', problems);
  duplicateNames(disks, ['disks'], 'disk', problems);
  duplicateNames(backups, ['backups'], 'backup source', problems);
  duplicateNames(tokens, ['auth', 'tokens'], 'token', problems);
  duplicateNames(schedules, ['schedules'], 'schedule', problems);

  const postgresNames = postgres.map((t) => stringField(t, 'name')).filter((n): n is string => n !== undefined);
  backups.forEach((backup, index) => {
    const target = stringField(backup, 'target');
    if (target !== undefined && !postgresNames.includes(target)) {
      problems.push({ path: ['backups', index, 'target'], message: unknownReference(target, postgresNames, 'postgres target') });
    }
  });
  const targetKinds = new Map([...targetPaths].map(([name, path]) => [name, String(path[0])]));
  schedules.forEach((schedule, index) => {
    const target = stringField(schedule, 'target');
    if (target !== undefined && !targetPaths.has(target)) {
      problems.push({ path: ['schedules', index, 'target'], message: unknownReference(target, [...targetPaths.keys()], 'target') });
    }
    if (actions) problems.push(...scheduledActionProblems(schedule, index, actions, targetKinds));
  });
  if (schedules.length > 0 && cfg.state === undefined) {
    problems.push({ path: ['schedules'], message: 'scheduled actions run as jobs, which need a state database: configure `state`' });
  }

  const byName = new Map(collectors.map((c) => [c.name, c]));
  for (const [name, settings] of Object.entries(asRecord(cfg.collectors) ?? {})) {
    const known = byName.get(name);
    if (!known) {
      problems.push({ path: ['collectors', name], message: unknownReference(name, [...byName.keys()], 'collector') });
      continue;
    }
    if (known.mode !== 'live') continue;
    for (const field of ['schedule', 'timeoutSeconds']) {
      if (asRecord(settings)?.[field] !== undefined) {
        problems.push({
          path: ['collectors', name, field],
          message: `does not apply: ${name} is a live collector and runs on every scrape within the scrape timeout`,
        });
      }
    }
  }

  if (postgres.length + redis.length + endpoints.length + files.length + disks.length === 0) {
    problems.push({ path: [], message: 'nothing to monitor: configure at least one of postgres, redis, certificates or disks' });
  }
  return problems;
}

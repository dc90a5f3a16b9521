/**
 * reset-statements on clusters of the test's own: the reset is server-wide,
 * so on the shared primary it would pull other test files' statement
 * counters from under them.
 */
import { ZodError } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetStatements } from '../../exporter/src/actions/resetStatements.js';
import { ActionRejection } from '../../exporter/src/actions/types.js';
import { silentLogger } from '../../exporter/src/log.js';
import { PostgresTarget } from '../../exporter/src/targets/postgres.js';
import { runActionDirectly } from '../harness/actions.js';
import { createScratchPrimary, postgresTargetConfig } from '../harness/index.js';
import { rejectionOf } from '../harness/rejection.js';

type Scratch = Awaited<ReturnType<typeof createScratchPrimary>>;
let loaded: Scratch;
let notLoaded: Scratch;
const targets: PostgresTarget[] = [];

async function targetOn(dsn: string): Promise<PostgresTarget> {
  const target = new PostgresTarget(await postgresTargetConfig({ name: 'stmts', dsn }), silentLogger);
  targets.push(target);
  await target.probe();
  return target;
}

async function markedStatements(): Promise<number> {
  // Constants are stored as $n, so the marker is a column alias; split here so this query is no match itself.
  const [row] = await loaded.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_statements WHERE query LIKE '%reset' || '_marker%'`);
  return row!.n;
}

beforeAll(async () => {
  [loaded, notLoaded] = await Promise.all([createScratchPrimary('stmts'), createScratchPrimary('stmts-unloaded', { shared_preload_libraries: '' })]);
  await loaded.query('CREATE EXTENSION pg_stat_statements');
  await loaded.query('CREATE DATABASE quiet'); // no extension here
  await loaded.query('CREATE ROLE plain LOGIN');
  await notLoaded.query('CREATE EXTENSION pg_stat_statements');
}, 120_000);

afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
  await Promise.all([loaded?.destroy(), notLoaded?.destroy()]);
});

describe('reset-statements', () => {
  it('forgets every statement, after a dry run that counts them and forgets nothing', async () => {
    // Five statements of their own (each selects a different number of columns, so each gets its own queryid).
    for (let i = 1; i <= 5; i += 1) await loaded.query(`SELECT ${Array.from({ length: i }, (_, k) => `${k} AS reset_marker_${k}`).join(', ')}`);
    expect(await markedStatements()).toBe(5);
    const target = await targetOn(loaded.dsn());

    const preview = await runActionDirectly(resetStatements, target, {}, { dryRun: true });
    expect(preview.result).toMatchObject({ dryRun: true, statsSince: expect.any(String) as unknown });
    expect((preview.result as { statementsToForget: number }).statementsToForget).toBeGreaterThanOrEqual(5);
    expect(await markedStatements()).toBe(5);

    const startedAt = Date.now();
    const run = await runActionDirectly(resetStatements, target, {});
    const result = run.result as { statementsBefore: number; statementsAfter: number; resetAt: string };
    expect(run.scope).toBe('statements');
    expect(result.statementsBefore).toBeGreaterThanOrEqual(5);
    // Only what ran since the reset: the action's own statements and the test's.
    expect(result.statementsAfter).toBeLessThan(result.statementsBefore);
    expect(Math.abs(Date.parse(result.resetAt) - startedAt)).toBeLessThan(5000);
    expect(await markedStatements()).toBe(0);
    const [info] = await loaded.query<{ stats_reset: Date }>('SELECT stats_reset FROM pg_stat_statements_info');
    expect(info!.stats_reset.toISOString()).toBe(result.resetAt);
  });

  it("answers 422 when the extension is not created in the target's database", async () => {
    const target = await targetOn(loaded.dsn('quiet'));
    const rejection = await rejectionOf(runActionDirectly(resetStatements, target, {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'extension_missing' });
  });

  it('answers 422 when the extension is created but its library is not preloaded', async () => {
    const target = await targetOn(notLoaded.dsn());
    const rejection = await rejectionOf(runActionDirectly(resetStatements, target, {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'extension_not_loaded' });
  });

  it('answers 422 when the role may not execute pg_stat_statements_reset, and forgets nothing', async () => {
    await loaded.query(`SELECT 1 AS reset_marker_kept`);
    const target = await targetOn(loaded.dsn('postgres', 'plain'));
    const rejection = await rejectionOf(runActionDirectly(resetStatements, target, {}), ActionRejection);
    expect(rejection).toMatchObject({ status: 422, code: 'not_permitted' });
    expect(await markedStatements()).toBe(1);
  });

  it('takes no parameters', async () => {
    const target = await targetOn(loaded.dsn());
    await expect(runActionDirectly(resetStatements, target, { database: 'postgres' })).rejects.toThrow(ZodError);
  });
});

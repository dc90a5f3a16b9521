/**
 * The Node flags Upkeep ships with, read from the root package.json's
 * `start` script (`node --max-semi-space-size=4 exporter/dist/cli.js`), so
 * the bench measures the exporter as `npm start` and the Docker image run
 * it, and follows when those flags change.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';

export async function shippedNodeFlags(): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = manifest.scripts?.start ?? '';
  const match = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+exporter\/dist\/cli\.js/.exec(start);
  return match?.[1]?.trim().split(/\s+/).filter((f) => f !== '') ?? [];
}

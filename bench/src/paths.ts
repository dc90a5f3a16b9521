/** Where the repository is, wherever the compiled bench runs from (dist/bench/bench/src or bench/src). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'exporter', 'package.json'))) return dir;
  }
  throw new Error(`no repository root above ${from}`);
}

export const REPO_ROOT = findRoot(resolve(dirname(fileURLToPath(import.meta.url))));

/**
 * The repository root, found by walking up from this module: the same code
 * runs from alerts/src under the tests and from dist/generate/… once
 * compiled by `npm run generate`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function repositoryRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'alerts', 'thresholds.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no repository root (a folder with alerts/thresholds.json) above ${from}`);
    dir = parent;
  }
  return dir;
}

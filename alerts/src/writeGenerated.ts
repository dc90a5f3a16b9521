/** Writes generated files under the repository root (`npm run generate`). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GeneratedFile } from './outputs.js';
import { repositoryRoot } from './repositoryRoot.js';

export async function writeGenerated(files: readonly GeneratedFile[], root = repositoryRoot()): Promise<void> {
  for (const file of files) {
    const path = join(root, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    process.stdout.write(`wrote ${file.path}\n`);
  }
}

/**
 * Bundles plugin/harness/host.tsx (the Grafana stand-in's frontend) with
 * esbuild into one script and stylesheet: React, @grafana/* and the rest
 * included, as Grafana ships them to its plugins.
 */
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PLUGIN_DIR } from '../plugin/pluginFiles.js';

export async function bundleHost(outDir: string): Promise<{ script: string; stylesheet: string | undefined }> {
  await mkdir(outDir, { recursive: true });
  // The metafile names outputs relative to the working directory: made absolute below against this one.
  const workingDir = process.cwd();
  const result = await build({
    absWorkingDir: workingDir,
    entryPoints: [join(PLUGIN_DIR, 'harness', 'host.tsx')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    outdir: outDir,
    entryNames: 'host',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: { '.svg': 'dataurl', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file' },
    logLevel: 'silent',
    metafile: true,
  });
  const outputs = Object.keys(result.metafile.outputs).map((o) => resolve(workingDir, o));
  const script = outputs.find((o) => o.endsWith('host.js'));
  if (!script) throw new Error(`esbuild wrote no host.js: ${outputs.join(', ')}`);
  return { script, stylesheet: outputs.find((o) => o.endsWith('host.css')) };
}

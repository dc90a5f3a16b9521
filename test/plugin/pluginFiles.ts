/** Where the plugin's files are, read as the tests need them. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginRoute } from './grafanaProxyRoutes.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PLUGIN_DIR = join(REPO_ROOT, 'plugin');
export const PLUGIN_SRC = join(PLUGIN_DIR, 'src');
export const PLUGIN_DIST = join(PLUGIN_DIR, 'dist');

export interface PluginJson {
  id: string;
  type: string;
  name: string;
  info: { version: string; updated: string; logos: { small: string; large: string } };
  includes?: Array<{ type: string; name: string; path?: string; role?: string; addToNav?: boolean }>;
  routes?: PluginRoute[];
  dependencies: { grafanaDependency: string; plugins: Array<{ id: string; type: string; version: string }> };
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export const appPluginJson = (): PluginJson => readJson<PluginJson>(join(PLUGIN_SRC, 'plugin.json'));

/** The exporter's version, from its package.json (the same file in src/ and dist/ layouts). */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../package.json') as { version: string };

export const VERSION: string = pkg.version;

/**
 * Turns a certificate source's configured `paths` into the files to read.
 *
 * Each entry is one of:
 * - a file: read as it is (whatever its name);
 * - a directory: the files directly in it named `*.pem`, `*.crt` or `*.cer`
 *   (any case), not hidden, not recursive;
 * - a glob: `*` (any run of characters) and `?` (one character) within one
 *   path segment, in any segment. A match that is a directory stands for its
 *   certificate files as above. As in a shell, a wildcard does not match a
 *   leading `.`: Kubernetes' `..data` swap directories stay out of `*`.
 *   There is no `**`, no `[…]` and no escaping: `[`, `]`, `{` and `}` are
 *   literal characters.
 * Relative entries are relative to the exporter's working directory.
 *
 * Only names are resolved here (readdir and stat, each under a time limit);
 * whether a file can be read is the reader's business. The number of files is
 * bounded, and so is the number of directories a glob may walk.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { filesystemGuard } from './filesystem.js';
import { fileErrorReason, type CertificateFileProblemReason } from './certificateFileReader.js';

/** How a file was chosen: named, matched by a glob, or found in a directory by its extension. */
export type FileOrigin = 'named' | 'glob' | 'directory';

export interface CertificatePath {
  path: string;
  origin: FileOrigin;
}

export type PathProblemReason = CertificateFileProblemReason | 'no_match' | 'too_many_files';

export interface PathProblem {
  /** The configured entry, or the directory that could not be listed. */
  path: string;
  reason: PathProblemReason;
  message: string;
}

export interface ExpandedPaths {
  /** Sorted within each directory, in the order of the configured entries; no duplicates. */
  files: CertificatePath[];
  problems: PathProblem[];
}

export interface ExpandOptions {
  maxFiles: number;
  /** Per readdir or stat call: a hung mount fails its entry, not the whole run. */
  operationTimeoutMs: number;
  signal?: AbortSignal;
}

const CERTIFICATE_EXTENSION = /\.(pem|crt|cer)$/i;
const WILDCARD = /[*?]/;

/** A glob walking this many directories per level has gone wrong (`/*\/*\/*`). */
const MAX_DIRECTORIES_PER_LEVEL = 1000;

export async function expandCertificatePaths(entries: readonly string[], options: ExpandOptions): Promise<ExpandedPaths> {
  const expansion = new Expansion(options);
  for (const entry of entries) {
    options.signal?.throwIfAborted();
    await expansion.expand(entry);
  }
  return { files: expansion.files, problems: expansion.problems };
}

/** Whether a glob segment such as `*.pem` matches a directory entry's name. */
export function segmentMatcher(segment: string): (name: string) => boolean {
  const source = [...segment].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const pattern = new RegExp(`^${source}$`, 's');
  const matchesDotFiles = segment.startsWith('.');
  return (name) => (matchesDotFiles || !name.startsWith('.')) && pattern.test(name);
}

class Expansion {
  readonly files: CertificatePath[] = [];
  readonly problems: PathProblem[] = [];
  private readonly seen = new Set<string>();
  private full = false;
  /** Files chosen so far, duplicates included: an entry that chose none matched nothing. */
  private chosen = 0;

  constructor(private readonly options: ExpandOptions) {}

  async expand(entry: string): Promise<void> {
    if (this.full) return;
    const absolute = resolve(entry);
    const segments = absolute.split(sep).filter((s) => s !== '');
    const firstWildcard = segments.findIndex((s) => WILDCARD.test(s));
    const chosenBefore = this.chosen;
    const problemsBefore = this.problems.length;
    if (firstWildcard < 0) await this.expandNamed(entry, absolute);
    else await this.expandGlob(entry, segments, firstWildcard);
    if (this.full) {
      this.problems.push({
        path: entry,
        reason: 'too_many_files',
        message: `more than ${this.options.maxFiles} certificate files: the rest of ${entry} and any later paths are not read`,
      });
    } else if (this.chosen === chosenBefore && this.problems.length === problemsBefore) {
      const what = firstWildcard >= 0 ? `no file matches ${entry}` : `${entry} is a directory without *.pem, *.crt or *.cer files`;
      this.problems.push({ path: entry, reason: 'no_match', message: what });
    }
  }

  /** A path without wildcards: a directory's certificate files, or the file itself (readable or not). */
  private async expandNamed(entry: string, absolute: string): Promise<void> {
    let isDirectory: boolean;
    try {
      isDirectory = (await this.bounded(`stat:${absolute}`, () => stat(absolute))).isDirectory();
    } catch (error) {
      const reason = fileErrorReason(error);
      // The reader says best what is wrong with a file that will not open (a dangling link, say).
      if (reason !== 'timeout') this.add({ path: absolute, origin: 'named' });
      else this.problems.push({ path: entry, reason, message: `stat ${absolute} ${(error as Error).message}` });
      return;
    }
    if (isDirectory) await this.addDirectory(absolute, entry);
    else this.add({ path: absolute, origin: 'named' });
  }

  private async expandGlob(entry: string, segments: string[], firstWildcard: number): Promise<void> {
    let candidates = [join(sep, ...segments.slice(0, firstWildcard))];
    for (let i = firstWildcard; i < segments.length && candidates.length > 0; i++) {
      const segment = segments[i]!;
      if (!WILDCARD.test(segment)) {
        candidates = candidates.map((c) => join(c, segment));
        continue;
      }
      const matches = segmentMatcher(segment);
      const next: string[] = [];
      for (const directory of candidates) {
        for (const name of await this.list(directory, entry, false)) if (matches(name)) next.push(join(directory, name));
        if (next.length > MAX_DIRECTORIES_PER_LEVEL && i < segments.length - 1) {
          this.problems.push({ path: entry, reason: 'too_many_files', message: `${entry} walks more than ${MAX_DIRECTORIES_PER_LEVEL} directories` });
          return;
        }
      }
      candidates = next;
    }
    for (const candidate of candidates) {
      if (this.full) return;
      await this.addMatch(candidate, entry);
    }
  }

  /** A glob match: skipped if it does not exist (a literal tail like `*\/fullchain.pem`), expanded if a directory. */
  private async addMatch(path: string, entry: string): Promise<void> {
    try {
      const link = await this.bounded(`lstat:${path}`, () => lstat(path));
      // stat follows a symlink; a dangling one stays a file for the reader to report.
      const target = link.isSymbolicLink() ? await this.bounded(`stat:${path}`, () => stat(path)).catch(() => link) : link;
      if (target.isDirectory()) await this.addDirectory(path, entry);
      else this.add({ path, origin: 'glob' });
    } catch (error) {
      // Gone since the directory was listed, or a file where the glob wants a directory: no match.
      if (isNothingThere(error)) return;
      this.problems.push({ path, reason: fileErrorReason(error), message: `${path}: ${(error as Error).message}` });
    }
  }

  private async addDirectory(directory: string, entry: string): Promise<void> {
    for (const name of await this.list(directory, entry, true)) {
      if (this.full) return;
      if (!name.startsWith('.') && CERTIFICATE_EXTENSION.test(name)) this.add({ path: join(directory, name), origin: 'directory' });
    }
  }

  /** The names in a directory, sorted; a directory that is not there has none. */
  private async list(directory: string, entry: string, reportMissing: boolean): Promise<string[]> {
    this.options.signal?.throwIfAborted();
    try {
      return (await this.bounded(`readdir:${directory}`, () => readdir(directory))).sort();
    } catch (error) {
      // Walking a glob, a missing directory or a file in a directory's place just matches nothing.
      if (!isNothingThere(error) || reportMissing) {
        this.problems.push({ path: directory === resolve(entry) ? entry : directory, reason: fileErrorReason(error), message: `listing ${directory}: ${(error as Error).message}` });
      }
      return [];
    }
  }

  private add(file: CertificatePath): void {
    this.chosen += 1;
    if (this.seen.has(file.path)) return;
    if (this.files.length >= this.options.maxFiles) {
      this.full = true;
      return;
    }
    this.seen.add(file.path);
    this.files.push(file);
  }

  /** Through the process-wide filesystem guard: a directory on a hung mount holds at most its share of libuv's threads. */
  private bounded<T>(key: string, operation: () => Promise<T>): Promise<T> {
    return filesystemGuard.run(key, operation, this.options.operationTimeoutMs);
  }
}

function isNothingThere(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Size, free space and inodes of the filesystem holding a path, the way
 * `df` and node_exporter compute them (statfs: blocks × bsize), without ever
 * letting a hung mount hurt anything but its own path.
 *
 * A statfs on a dead NFS server does not return, and it does not stop when a
 * timer fires: it keeps one of libuv's threadpool threads (4 by default, the
 * same pool that serves every file read and DNS lookup of the process). So
 * every such call goes through one guard (InFlightGuard, `filesystemGuard`):
 * at most two run at once, a path whose previous call is still running gets
 * no new call (it is reported `timeout` at once, until the old call
 * returns), and a path that cannot get a slot in time is `too_many_hung`.
 */
import { realpath, stat, statfs } from 'node:fs/promises';
import { TimeoutError, withTimeout } from '../timeout.js';
import { deviceNumbers, mountContaining, MountTable, type MountEntry } from './mountTable.js';

/** A local disk answers in microseconds and a healthy NFS server in milliseconds; node_exporter waits 5 s, but a scrape has ~10 s for everything. */
export const FILESYSTEM_CALL_TIMEOUT_MS = 2000;
/**
 * Filesystem calls under way at once, across the process: libuv has 4
 * threads by default, so hung calls can hold at most 2 and the rest of the
 * process (other file reads, DNS lookups) always keeps 2.
 */
export const MAX_CONCURRENT_CALLS = 2;

export type DiskProbeReason = 'not_found' | 'permission_denied' | 'timeout' | 'too_many_hung' | 'io_error' | 'error';

export class FilesystemCallError extends Error {
  constructor(
    readonly reason: DiskProbeReason,
    message: string,
  ) {
    super(message);
    this.name = 'FilesystemCallError';
  }
}

const REASON_BY_CODE: Readonly<Record<string, DiskProbeReason>> = {
  ENOENT: 'not_found',
  ENOTDIR: 'not_found',
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  EIO: 'io_error',
  ESTALE: 'io_error',
  ENOTCONN: 'io_error',
  EHOSTDOWN: 'io_error',
  ETIMEDOUT: 'io_error',
};

/** The bounded reason of a failed filesystem call, for the `reason` label. */
export function reasonOf(error: unknown): DiskProbeReason {
  if (error instanceof FilesystemCallError) return error.reason;
  if (error instanceof TimeoutError) return 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && REASON_BY_CODE[code]) || 'error';
}

interface Pending {
  promise: Promise<unknown>;
  startedAt: number;
  /** Whether the call got one of the slots (it may still be waiting for one). */
  running: boolean;
  /** A caller's wait ran out while the call ran: it counts as hung from then on. */
  overdue: boolean;
}

/**
 * Filesystem work that may hang (statfs, stat or read on a dead mount) goes
 * through here. At most `maxConcurrent` calls run at once; a slot is held
 * until the call really returns, not until its caller gives up, because the
 * thread stays taken until then. A caller waits at most `timeoutMs` from the
 * moment the call was asked for: without a slot by then it fails with
 * `too_many_hung`, after it with `timeout`. Callers with the same key share
 * one call, so a path whose previous call still hangs gets no new one.
 */
export class InFlightGuard {
  private readonly pending = new Map<string, Pending>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly timeoutMs = FILESYSTEM_CALL_TIMEOUT_MS,
    private readonly maxConcurrent = MAX_CONCURRENT_CALLS,
  ) {}

  /** Calls running past their timeout: the threads a hung mount holds. */
  get hungCount(): number {
    const now = Date.now();
    let hung = 0;
    // `overdue` as well as the clock: a timer may fire a millisecond before Date.now() says the time is up,
    // and a caller that was just told `timeout` must find the call counted.
    for (const call of this.pending.values()) if (call.running && (call.overdue || now - call.startedAt >= this.timeoutMs)) hung += 1;
    return hung;
  }

  /** `key` names the work: a second caller with the same key gets the same call, so same key, same result type. */
  run<T>(key: string, work: () => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    const call = this.pending.get(key) ?? this.start(key, work);
    const remaining = timeoutMs - (Date.now() - call.startedAt);
    if (remaining <= 0) {
      return Promise.reject(new FilesystemCallError('timeout', `the previous call has not returned for ${((Date.now() - call.startedAt) / 1000).toFixed(1)} s`));
    }
    return withTimeout(call.promise as Promise<T>, remaining).catch((error: unknown) => {
      if (error instanceof TimeoutError && !call.running) {
        throw new FilesystemCallError('too_many_hung', `not started: ${this.running} filesystem calls have not returned (hung mounts?)`);
      }
      if (error instanceof TimeoutError && timeoutMs >= this.timeoutMs) call.overdue = true;
      throw error;
    });
  }

  private start(key: string, work: () => Promise<unknown>): Pending {
    const call: Pending = { promise: Promise.resolve(), startedAt: Date.now(), running: false, overdue: false };
    call.promise = this.slot(this.timeoutMs).then(async () => {
      call.running = true;
      try {
        return await work();
      } finally {
        this.release();
      }
    });
    const forget = () => {
      if (this.pending.get(key) === call) this.pending.delete(key);
    };
    // Both branches handled here: nobody may be waiting any more when a hung call finally fails.
    call.promise.then(forget, forget);
    this.pending.set(key, call);
    return call;
  }

  /**
   * A slot, or a `too_many_hung` rejection after `waitMs`: a call nobody
   * waits for any more leaves the queue instead of running much later.
   */
  private slot(waitMs: number): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new FilesystemCallError('too_many_hung', `not started: ${this.running} filesystem calls have not returned (hung mounts?)`));
      }, waitMs);
      // The slot passes straight from the call that ends to the next in line.
      this.waiting.push(grant);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

export interface FilesystemUsage {
  sizeBytes: number;
  freeBytes: number;
  /** Free to unprivileged users: without the blocks reserved for root. */
  availBytes: number;
  files: number;
  filesFree: number;
}

export type PathProbe =
  | { ok: true; usage: FilesystemUsage; mount: MountEntry | undefined }
  | { ok: false; reason: DiskProbeReason; message: string };

/** The statfs fields used, in bigint: blocks × bsize exceeds 2^53 past 8 PiB. */
export interface StatfsValues {
  bsize: bigint;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  files: bigint;
  ffree: bigint;
}

export type StatfsFunction = (path: string) => Promise<StatfsValues>;

const realStatfs: StatfsFunction = (path) => statfs(path, { bigint: true });

export interface FilesystemProbeOptions {
  /** For the unit test of the in-flight guard only: a statfs that hangs on demand. */
  statfs?: StatfsFunction;
  guard?: InFlightGuard;
  mountTable?: MountTable;
}

function usageOf(s: StatfsValues): FilesystemUsage {
  return {
    sizeBytes: Number(s.blocks * s.bsize),
    freeBytes: Number(s.bfree * s.bsize),
    availBytes: Number(s.bavail * s.bsize),
    files: Number(s.files),
    filesFree: Number(s.ffree),
  };
}

export class FilesystemProbe {
  readonly guard: InFlightGuard;
  private readonly statfs: StatfsFunction;
  private readonly mountTable: MountTable;

  constructor(options: FilesystemProbeOptions = {}) {
    this.statfs = options.statfs ?? realStatfs;
    this.guard = options.guard ?? new InFlightGuard();
    this.mountTable = options.mountTable ?? new MountTable();
  }

  /** Never throws: a failure is a result with a bounded reason. */
  async probe(path: string): Promise<PathProbe> {
    let found: { realPath: string; device: string; stats: StatfsValues };
    try {
      // realpath and stat walk the same mount as statfs and can hang as
      // long: all three are one guarded call.
      found = await this.guard.run(`statfs:${path}`, async () => {
        const realPath = await realpath(path);
        const { dev } = await stat(realPath, { bigint: true });
        return { realPath, device: deviceNumbers(dev), stats: await this.statfs(realPath) };
      });
    } catch (error) {
      return { ok: false, reason: reasonOf(error), message: error instanceof Error ? error.message : String(error) };
    }
    const mounts = await this.mountTable.entries();
    return { ok: true, usage: usageOf(found.stats), mount: mounts && mountContaining(mounts, found.realPath, found.device) };
  }
}

/**
 * One for the whole process: the threadpool it protects is the process's,
 * and a path probed by two collectors (a `disks` entry that is also a backup
 * directory) is then one call.
 */
export const filesystemGuard = new InFlightGuard();
export const filesystemProbe = new FilesystemProbe({ guard: filesystemGuard });

/**
 * A stream into an open file that counts what it wrote and fsyncs when the
 * input ends: "finished" means on disk, not in the page cache. The backup
 * action streams pg_dump's stdout through it (rather than letting pg_dump
 * write the file itself) so that bytes written are known for progress, and
 * so that pg_dump dies of a broken pipe if the exporter is killed, instead
 * of writing on with nobody left to finish the backup.
 */
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

export class DurableFileSink extends Writable {
  private written = 0;

  constructor(
    private readonly handle: FileHandle,
    /** Called after every chunk with the total written so far. */
    private readonly onWritten: (bytesWritten: number) => void = () => undefined,
  ) {
    super();
  }

  get bytesWritten(): number {
    return this.written;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll(chunk).then(() => {
      this.written += chunk.length;
      this.onWritten(this.written);
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.handle.sync().then(() => callback(), callback);
  }

  /** A write to a regular file may be short; the rest follows until the chunk is all out. */
  private async writeAll(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
  }
}

/** The sha256 of a file, read as a stream: dumps are far larger than memory should hold. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** `onRead` is told the bytes read so far after every chunk (progress of a long verification). */
export async function sha256OfFile(path: string, signal?: AbortSignal, onRead?: (bytesRead: number) => void): Promise<string> {
  const hash = createHash('sha256');
  let bytesRead = 0;
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    bytesRead += (chunk as Buffer).length;
    onRead?.(bytesRead);
  }
  return hash.digest('hex');
}

/** A process's memory as the kernel counts it: resident now (VmRSS) and at its peak (VmHWM). */
import { readFile } from 'node:fs/promises';

export interface Memory {
  rssBytes: number;
  peakRssBytes: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${name} in /proc/<pid>/status`);
  return Number(match[1]) * 1024;
}

export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { rssBytes: field(status, 'VmRSS'), peakRssBytes: field(status, 'VmHWM') };
}

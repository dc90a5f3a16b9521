/**
 * How busy the machine's CPUs are, from /proc/stat over a short window:
 * sampled before the bench starts anything, it shows whether something else
 * is running (the 1-minute load average still carries a burst that ended a
 * minute ago).
 */
import { readFile } from 'node:fs/promises';

async function cpuTimes(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal …
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Percent of all CPUs busy over `ms`. */
export async function cpuBusyPercent(ms: number): Promise<number> {
  const before = await cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const after = await cpuTimes();
  const total = after.total - before.total;
  return total > 0 ? (100 * (after.busy - before.busy)) / total : 0;
}

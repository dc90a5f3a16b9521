/**
 * The side-by-side figures of one running exporter: warm up, forget its
 * statements so far, scrape sequentially, then read what those scrapes cost
 * the server and how much memory the exporter holds.
 */
import { progress } from '../progress.js';
import { addScrapeWindows, readScrapeWindow, resetStatements, type ScrapeWindowDbTime } from './dbTime.js';
import { memoryOf, type Memory } from './rss.js';
import { measureSequential, warmUp, type SequentialRun } from './sequential.js';

export interface ExporterFigures {
  run: SequentialRun;
  dbTime: ScrapeWindowDbTime;
  memory: Memory;
  scrapes: number;
}

export interface Subject {
  label: string;
  metricsUrl: string;
  pid: number;
  /** Its login role; its statements are the ones counted. */
  role: string;
}

export async function measureExporter(
  subject: Subject,
  adminDsns: readonly string[],
  options: { warmup: number; scrapes: number },
  inspect?: (body: string) => void,
): Promise<ExporterFigures> {
  progress(`${subject.label}: ${options.warmup} warm-up scrapes`);
  await warmUp(subject.metricsUrl, options.warmup);
  for (const dsn of adminDsns) await resetStatements(dsn, subject.role);
  progress(`${subject.label}: ${options.scrapes} sequential scrapes`);
  const run = await measureSequential(subject.metricsUrl, options.scrapes, subject.label, inspect);
  const parts = await Promise.all(adminDsns.map((dsn) => readScrapeWindow(dsn, subject.role, options.scrapes)));
  const dbTime = parts.reduce(addScrapeWindows);
  const memory = await memoryOf(subject.pid);
  return { run, dbTime, memory, scrapes: options.scrapes };
}

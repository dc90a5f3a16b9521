/** What the runner needs from an alert silencer (Alertmanager, see alerting/alertmanagerSilences.ts). */
import type { JobRecord } from './jobRecord.js';

export interface JobSilencer {
  /** Silences the job's target's alerts while it runs; returns the silence id. */
  silence(job: JobRecord): Promise<string>;
  expire(silenceId: string): Promise<void>;
}

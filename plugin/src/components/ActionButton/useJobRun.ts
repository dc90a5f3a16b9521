/**
 * One job's life as the UI follows it: submit, poll until it finishes,
 * cancel. Polls every second (the exporter saves progress about once a
 * second); stops polling when the component goes away.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { exporterClient, type WriteRoute } from '../../api/exporterClient';
import { FINISHED_JOB_STATUSES, type Job, type JobRequest } from '../../api/exporterTypes';
import { toRequestError, type RequestError } from '../../api/requestErrors';

export const JOB_POLL_MS = 1000;

export type JobRun =
  | { stage: 'idle' }
  | { stage: 'submitting' }
  | { stage: 'running'; job: Job }
  | { stage: 'finished'; job: Job }
  /** A minute of failed polls: the job may still run, this page no longer knows. */
  | { stage: 'lost'; job: Job }
  | { stage: 'refused'; error: RequestError };

/** Polls in a row that may fail (an exporter restart) before the dialog says it lost the job. */
export const MAX_FAILED_POLLS = 60;

export function isFinished(job: Job): boolean {
  return FINISHED_JOB_STATUSES.includes(job.status);
}

export function useJobRun(onFinished?: (job: Job) => void) {
  const [run, setRun] = useState<JobRun>({ stage: 'idle' });
  const [cancelError, setCancelError] = useState<RequestError | undefined>();
  const alive = useRef(true);
  const onFinishedRef = useRef(onFinished);
  useLayoutEffect(() => {
    onFinishedRef.current = onFinished;
  });

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const follow = useCallback(async (job: Job) => {
    let current = job;
    let failures = 0;
    while (alive.current && !isFinished(current)) {
      await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
      if (!alive.current) {
        return;
      }
      try {
        current = await exporterClient.job(current.id);
        failures = 0;
        setRun(isFinished(current) ? { stage: 'finished', job: current } : { stage: 'running', job: current });
      } catch {
        // A lost poll is not a lost job: keep the last state and try again.
        failures++;
        if (failures >= MAX_FAILED_POLLS) {
          setRun({ stage: 'lost', job: current });
          return;
        }
      }
    }
    if (alive.current && isFinished(current)) {
      setRun({ stage: 'finished', job: current });
      onFinishedRef.current?.(current);
    }
  }, []);

  const start = useCallback(
    async (route: WriteRoute, request: JobRequest) => {
      setRun({ stage: 'submitting' });
      setCancelError(undefined);
      try {
        const job = await exporterClient.submitJob(route, request);
        if (!alive.current) {
          return;
        }
        setRun(isFinished(job) ? { stage: 'finished', job } : { stage: 'running', job });
        await follow(job);
      } catch (err) {
        if (alive.current) {
          setRun({ stage: 'refused', error: toRequestError(err, `start ${request.action}`) });
        }
      }
    },
    [follow],
  );

  const cancel = useCallback(
    async (route: WriteRoute) => {
      if (run.stage !== 'running') {
        return;
      }
      try {
        const job = await exporterClient.cancelJob(route, run.job.id);
        if (alive.current) {
          setRun((current) => (current.stage === 'running' ? { stage: 'running', job } : current));
        }
      } catch (err) {
        if (alive.current) {
          setCancelError(toRequestError(err, 'cancel the job'));
        }
      }
    },
    [run],
  );

  const reset = useCallback(() => setRun({ stage: 'idle' }), []);

  return { run, start, cancel, cancelError, reset };
}

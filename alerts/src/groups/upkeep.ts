/** Upkeep watching itself: the exporter, its targets and collectors, maintenance jobs and schedules. */
import type { GroupDefinition } from '../model.js';

/** The scrape job of the exporter in provisioning/prometheus/prometheus.yml; rename both together. */
export const EXPORTER_JOB = 'upkeep';

export const upkeep: GroupDefinition = {
  name: 'upkeep-exporter',
  alerts: [
    {
      name: 'UpkeepExporterDown',
      threshold: { direction: 'below', critical: 1 },
      // Without the exporter every other Upkeep alert is silent: this one says so.
      value: `up{job="${EXPORTER_JOB}"}`,
      unit: 'count',
      for: '2m',
      summary: 'Prometheus cannot scrape the Upkeep exporter {{ $labels.instance }}',
      description:
        'Prometheus has not been able to scrape the Upkeep exporter at {{ $labels.instance }} for {{for}} (up = {{value}}). Until it can, no other Upkeep alert can fire for the targets it watches.',
      fix: { page: 'overview' },
    },
    {
      name: 'UpkeepTargetDown',
      threshold: { direction: 'below', critical: 1 },
      value: 'min by (target, kind) (upkeep_target_up)',
      unit: 'count',
      for: '2m',
      summary: '{{ $labels.kind }} target {{ $labels.target }} does not answer',
      description:
        'The {{ $labels.kind }} server {{ $labels.target }} has not answered the exporter for {{for}} (upkeep_target_up = {{value}}): it is down, unreachable or refusing the exporter. Its other metrics are absent meanwhile.',
      fix: { page: 'overview' },
    },
    {
      name: 'UpkeepCollectorFailing',
      threshold: { direction: 'below', warning: 1 },
      // A down target fails all its collectors: UpkeepTargetDown says that once.
      value: 'min by (target, collector) (upkeep_collector_success) unless on (target) (min by (target) (upkeep_target_up) == 0)',
      unit: 'count',
      for: '15m',
      summary: 'Collector {{ $labels.collector }} fails for {{ $labels.target }}',
      description:
        'Collector {{ $labels.collector }} has failed for target {{ $labels.target }} for {{for}} (success = {{value}}) although the target answers. Its metrics are missing or stale, so the alerts built on them cannot fire.',
      fix: { page: 'overview' },
    },
    {
      name: 'MaintenanceJobFailed',
      threshold: { direction: 'above', warning: 0 },
      // increase() extrapolates (1 failure reads 1.02); it never shrinks, so round() keeps every failure.
      value: 'round(sum by (action, result) (increase(upkeep_job_runs_total{result=~"failed|interrupted"}[1h])))',
      unit: 'count',
      for: '0m',
      summary: '{{value}} {{ $labels.action }} job(s) {{ $labels.result }} in the last hour',
      description:
        '{{value}} maintenance job(s) of action {{ $labels.action }} ended {{ $labels.result }} in the last hour. The work they were to do (a backup, a vacuum, …) has not been done. The alert clears an hour after the last one.',
      fix: { page: 'jobs' },
    },
    {
      name: 'ScheduledJobNotRun',
      threshold: { direction: 'above', warning: 0 },
      // The last tick in the window is newer than the last job start: that tick started nothing.
      value:
        'max by (schedule) (upkeep_schedule_last_tick_timestamp_seconds) - on (schedule) (max by (schedule) (upkeep_schedule_last_run_timestamp_seconds) or 0 * max by (schedule) (upkeep_schedule_last_tick_timestamp_seconds))',
      unit: 'duration',
      for: '5m',
      summary: 'Schedule {{ $labels.schedule }}: its last tick started no job',
      description:
        'The last tick of schedule {{ $labels.schedule }} came {{value}} after the schedule last started a job, and started none itself: the state database was unreachable, the previous run still held the scope, or the request was refused.',
      fix: { page: 'jobs' },
    },
  ],
};

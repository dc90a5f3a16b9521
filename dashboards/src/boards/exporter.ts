/** Upkeep itself: collectors, scrapes, cardinality, maintenance jobs and schedules. */
import { appUrl } from '../appLinks.js';
import { dashboard } from '../dashboard.js';
import { fromRow, redFrom, RED_BELOW_ONE, row, stat, table, TARGET, timeseries, yesNo, type JsonObject } from '../panels.js';

const JOB = 'job="upkeep"';

export function exporter(): JsonObject {
  return dashboard({
    uid: 'upkeep-exporter',
    title: 'Upkeep / Exporter',
    description: 'The exporter watching itself: whether its collectors succeed and how long they take, how many series it exports, and the maintenance jobs and schedules it runs.',
    targetsFrom: 'upkeep_collector_success',
    pages: ['jobs', 'overview'],
    panels: [
      row('Collectors'),
      stat({
        title: 'Exporters up',
        description: 'Exporter processes Prometheus scrapes (job "upkeep").',
        width: 4,
        queries: [{ expr: `sum(up{${JOB}})`, legend: 'up' }],
        steps: RED_BELOW_ONE,
      }),
      stat({
        title: 'Collectors failing',
        description: 'Collector and target pairs whose last run failed.',
        width: 4,
        queries: [{ expr: `count(upkeep_collector_success{${TARGET}} == 0) or vector(0)`, legend: 'failing' }],
        steps: redFrom(1),
      }),
      stat({
        title: 'Series exported',
        description: 'upkeep_* series in the last scrape of each exporter: its own cardinality.',
        width: 4,
        queries: [{ expr: 'sum by (instance) (upkeep_series_count)', legend: '{{instance}}' }],
      }),
      table({
        title: 'Build',
        description: 'Version of each exporter process and of its Node.js.',
        width: 12,
        height: 8,
        queries: [{ expr: 'max by (instance, version, nodejs_version) (upkeep_build_info)' }],
        values: ['Running'],
      }),
      table({
        title: 'Collectors, failing first',
        description: 'Every collector and target: last result, how long it took, and how old its last success is (scheduled collectors serve that cached result).',
        width: 24,
        height: 10,
        queries: [
          { expr: `min by (target, collector) (upkeep_collector_success{${TARGET}})` },
          { expr: `max by (target, collector) (upkeep_collector_duration_seconds{${TARGET}})` },
          { expr: `time() - max by (target, collector) (upkeep_collector_last_success_timestamp_seconds{${TARGET}} > 0)` },
        ],
        values: ['Succeeded', 'Duration', 'Since success'],
        unit: 's',
        columns: { Succeeded: { unit: 'none', mappings: yesNo('failed', 'ok'), steps: RED_BELOW_ONE } },
        sortBy: { column: 'Succeeded', desc: false },
        links: [{ title: '${__data.fields.target} in the Upkeep app', url: appUrl('overview', { target: fromRow('target') }) }],
      }),
      timeseries({
        title: 'Collector duration',
        description: 'How long each collector took for each target on its last run.',
        width: 12,
        unit: 's',
        queries: [{ expr: `max by (target, collector) (upkeep_collector_duration_seconds{${TARGET}})`, legend: '{{collector}} {{target}}' }],
      }),
      timeseries({
        title: 'Scrape duration',
        description: 'How long Prometheus waited for each scrape of the exporter.',
        width: 12,
        unit: 's',
        queries: [{ expr: `scrape_duration_seconds{${JOB}}`, legend: '{{instance}}' }],
      }),
      timeseries({
        title: 'Targets answering',
        description: 'Whether each PostgreSQL and Redis target answered the exporter\'s probe.',
        width: 12,
        unit: 'short',
        max: 1,
        queries: [{ expr: `min by (kind, target) (upkeep_target_up{${TARGET}})`, legend: '{{kind}} {{target}}' }],
      }),
      timeseries({
        title: 'Exporter memory',
        description: 'Resident memory of each exporter process.',
        width: 6,
        unit: 'bytes',
        queries: [{ expr: `process_resident_memory_bytes{${JOB}}`, legend: '{{instance}}' }],
      }),
      timeseries({
        title: 'Event loop lag (p99)',
        description: 'How late the exporter\'s event loop runs callbacks. High values delay scrapes and job progress.',
        width: 6,
        unit: 's',
        queries: [{ expr: `nodejs_eventloop_lag_p99_seconds{${JOB}}`, legend: '{{instance}}' }],
      }),
      row('Maintenance jobs'),
      stat({
        title: 'Jobs running',
        description: 'Maintenance jobs running now, in every exporter process.',
        width: 4,
        queries: [{ expr: 'sum(upkeep_jobs_running) or vector(0)', legend: 'running' }],
      }),
      timeseries({
        title: 'Jobs finished, by result',
        description: 'Jobs finished per rate interval by action and result (dry runs included).',
        width: 10,
        unit: 'short',
        stack: true,
        queries: [{ expr: 'sum by (action, result) (increase(upkeep_job_runs_total[$__rate_interval])) > 0', legend: '{{action}} {{result}}' }],
        links: [{ title: '${__field.labels.action} jobs in the Upkeep app', url: appUrl('jobs', { action: '${__field.labels.action}' }) }],
      }),
      timeseries({
        title: 'Job duration (90th percentile)',
        description: 'How long jobs of each action took, 90th percentile over the rate interval.',
        width: 10,
        unit: 's',
        queries: [{ expr: 'histogram_quantile(0.9, sum by (action, le) (rate(upkeep_job_duration_seconds_bucket[$__rate_interval])))', legend: '{{action}}' }],
      }),
      table({
        title: 'Last successful job per action and target',
        description: 'Time since each action last succeeded on each target (real runs; from the state database, so restarts keep it).',
        width: 12,
        height: 9,
        queries: [{ expr: `time() - max by (action, target) (upkeep_job_last_success_timestamp_seconds{${TARGET}})` }],
        values: ['Since success'],
        unit: 's',
        sortBy: { column: 'Since success', desc: true },
        links: [{ title: '${__data.fields.action} on ${__data.fields.target} in the Upkeep app', url: appUrl('jobs', { target: fromRow('target'), action: fromRow('action') }) }],
      }),
      table({
        title: 'Schedules',
        description: 'Time since each schedule last started a job and last succeeded, and since its last tick in the window. A tick newer than the last run started nothing (ScheduledJobNotRun).',
        width: 12,
        height: 9,
        queries: [
          { expr: 'time() - max by (schedule) (upkeep_schedule_last_run_timestamp_seconds > 0)' },
          { expr: 'time() - max by (schedule) (upkeep_schedule_last_success_timestamp_seconds > 0)' },
          { expr: 'time() - max by (schedule) (upkeep_schedule_last_tick_timestamp_seconds > 0)' },
        ],
        values: ['Since run', 'Since success', 'Since tick'],
        unit: 's',
        links: [{ title: 'Jobs in the Upkeep app', url: appUrl('jobs') }],
      }),
    ],
  });
}

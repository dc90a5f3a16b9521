import { describe, expect, it } from 'vitest';
import { writeFamilies, type WritableFamily } from './textFormat.js';

const help = 'Rows "kept", with a back\\slash\nand a second line.';

const families: WritableFamily[] = [
  { name: 'upkeep_t_rows_total', help, type: 'counter', samples: [{ labels: { target: 'a', note: 'line\nbreak "q" \\' }, value: 3 }] },
  {
    name: 'upkeep_t_seconds',
    help: 'Durations.',
    type: 'histogram',
    samples: [
      { labels: { le: 0.5 }, value: 1, metricName: 'upkeep_t_seconds_bucket' },
      { labels: { le: '+Inf' }, value: 2, metricName: 'upkeep_t_seconds_bucket' },
      { labels: {}, value: 0.75, metricName: 'upkeep_t_seconds_sum' },
      { labels: {}, value: 2, metricName: 'upkeep_t_seconds_count' },
    ],
  },
  {
    name: 'upkeep_t_odd',
    help: 'Odd values.',
    type: 'gauge',
    samples: [
      { labels: { v: 'nan' }, value: NaN },
      { labels: { v: 'inf' }, value: Infinity },
      { labels: { v: '-inf' }, value: -Infinity },
      { labels: { v: 'small' }, value: 1e-7 },
    ],
  },
  { name: 'upkeep_t_series_count', help: 'Count.', type: 'untyped', samples: [{ labels: {}, value: 4 }] },
];

describe('text format writer', () => {
  it('writes the Prometheus text format: HELP escapes backslash and newline only, label values also the quote', () => {
    expect(writeFamilies(families, 'prometheus')).toBe(
      [
        '# HELP upkeep_t_rows_total Rows "kept", with a back\\\\slash\\nand a second line.',
        '# TYPE upkeep_t_rows_total counter',
        'upkeep_t_rows_total{target="a",note="line\\nbreak \\"q\\" \\\\"} 3',
        '# HELP upkeep_t_seconds Durations.',
        '# TYPE upkeep_t_seconds histogram',
        'upkeep_t_seconds_bucket{le="0.5"} 1',
        'upkeep_t_seconds_bucket{le="+Inf"} 2',
        'upkeep_t_seconds_sum 0.75',
        'upkeep_t_seconds_count 2',
        '# HELP upkeep_t_odd Odd values.',
        '# TYPE upkeep_t_odd gauge',
        'upkeep_t_odd{v="nan"} NaN',
        'upkeep_t_odd{v="inf"} +Inf',
        'upkeep_t_odd{v="-inf"} -Inf',
        'upkeep_t_odd{v="small"} 1e-7',
        '# HELP upkeep_t_series_count Count.',
        '# TYPE upkeep_t_series_count untyped',
        'upkeep_t_series_count 4',
        '',
      ].join('\n'),
    );
  });

  it('writes OpenMetrics: counter families without _total, the quote escaped in HELP, unknown for untyped, # EOF last', () => {
    const body = writeFamilies(families, 'openmetrics');
    expect(body).toContain('# HELP upkeep_t_rows Rows \\"kept\\", with a back\\\\slash\\nand a second line.\n# TYPE upkeep_t_rows counter\nupkeep_t_rows_total{');
    expect(body).toContain('# TYPE upkeep_t_series_count unknown\nupkeep_t_series_count 4\n# EOF\n');
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body.split('\n').filter((line) => line === '')).toEqual(['']); // only after the final newline: OpenMetrics allows no blank lines
  });

  it('writes nothing but the EOF marker for no families', () => {
    expect(writeFamilies([], 'prometheus')).toBe('');
    expect(writeFamilies([], 'openmetrics')).toBe('# EOF\n');
  });
});

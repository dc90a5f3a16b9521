/**
 * A job's result, readable: top-level fields as a list, lists of records as
 * small tables, byte and time fields formatted; the raw JSON one click away.
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Collapse, useStyles2 } from '@grafana/ui';
import type { JsonValue } from '../../api/exporterTypes';
import { formatBytes, formatDuration } from '../../format/values';
import { factListStyle } from '../../styles/factList';

const isRecord = (value: JsonValue): value is { [key: string]: JsonValue } => value !== null && typeof value === 'object' && !Array.isArray(value);

/** `freedBytes` → "freed bytes"; values of *Bytes and *Ms keys get units. */
function label(key: string): string {
  return key
    .replace(/(Bytes|Ms|Seconds)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

export function formatScalar(key: string, value: JsonValue): string {
  if (value === null) {
    return '—';
  }
  if (typeof value === 'number') {
    if (/Bytes$/.test(key)) {
      return formatBytes(value);
    }
    if (/Ms$/.test(key)) {
      return formatDuration(value / 1000);
    }
    if (/Seconds$/.test(key)) {
      return formatDuration(value);
    }
    return value.toLocaleString('en-US');
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  if (typeof value === 'string') {
    return value;
  }
  return JSON.stringify(value);
}

function RecordsTable({ rows }: { rows: Array<{ [key: string]: JsonValue }> }) {
  const styles = useStyles2(getStyles);
  const columns = Array.from(new Set(rows.flatMap((row) => Object.keys(row))));
  return (
    <table className={styles.table}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c}>{label(c)}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, i) => (
          <tr key={i}>
            {columns.map((c) => (
              <td key={c}>{formatScalar(c, row[c] ?? null)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Value({ name, value }: { name: string; value: JsonValue }) {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return <>none</>;
    }
    if (value.every(isRecord)) {
      return <RecordsTable rows={value} />;
    }
    return <>{value.map((v) => formatScalar(name, v)).join(', ')}</>;
  }
  if (isRecord(value)) {
    return <Fields value={value} />;
  }
  return <>{formatScalar(name, value)}</>;
}

function Fields({ value }: { value: { [key: string]: JsonValue } }) {
  const styles = useStyles2(getStyles);
  return (
    <dl className={styles.fields}>
      {Object.entries(value).map(([key, v]) => (
        <React.Fragment key={key}>
          <dt>{label(key)}</dt>
          <dd>
            <Value name={key} value={v} />
          </dd>
        </React.Fragment>
      ))}
    </dl>
  );
}

export function ResultView({ result }: { result: JsonValue }) {
  const [rawOpen, setRawOpen] = React.useState(false);
  const styles = useStyles2(getStyles);
  return (
    <div data-testid="job-result">
      {isRecord(result) ? <Fields value={result} /> : <Value name="result" value={result} />}
      <Collapse label="Raw result (JSON)" isOpen={rawOpen} onToggle={() => setRawOpen(!rawOpen)}>
        <pre className={styles.raw}>{JSON.stringify(result, null, 2)}</pre>
      </Collapse>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  fields: factListStyle(theme),
  table: css({
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.25, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'left' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  raw: css({ maxHeight: 300, overflow: 'auto', fontSize: theme.typography.bodySmall.fontSize }),
});

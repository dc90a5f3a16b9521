import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** A `<dl>` as two columns, names dimmed: the dialog's summary, a job's facts, a result's fields. */
export function factListStyle(theme: GrafanaTheme2, { monospace = false }: { monospace?: boolean } = {}): string {
  return css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0, overflowWrap: 'anywhere', ...(monospace ? { fontFamily: theme.typography.fontFamilyMonospace } : {}) },
  });
}

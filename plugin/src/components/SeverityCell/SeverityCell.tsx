/**
 * A value coloured by how bad it is (the alert rules' thresholds): green,
 * orange, red, or grey for no data; with the why in a tooltip and a link to
 * the page that shows more and holds the fixing button.
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, Tooltip, useStyles2, type IconName } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { Severity } from '../../metrics/thresholds';

const ICONS: Record<Severity, IconName> = {
  ok: 'check-circle',
  warning: 'exclamation-triangle',
  critical: 'exclamation-circle',
  unknown: 'minus-circle',
};

export interface SeverityCellProps {
  severity: Severity;
  text: string;
  tooltip?: string;
  href?: string;
}

export function SeverityCell({ severity, text, tooltip, href }: SeverityCellProps) {
  const styles = useStyles2(getStyles);
  const content = (
    <span className={cx(styles.cell, styles[severity])} data-severity={severity}>
      <Icon name={ICONS[severity]} size="sm" />
      <span>{text}</span>
    </span>
  );
  const linked = href ? (
    <Link to={href} className={styles.link}>
      {content}
    </Link>
  ) : (
    content
  );
  return tooltip ? <Tooltip content={tooltip}>{linked}</Tooltip> : linked;
}

const getStyles = (theme: GrafanaTheme2) => ({
  cell: css({
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    padding: theme.spacing(0.25, 1),
    borderRadius: theme.shape.radius.default,
    fontVariantNumeric: 'tabular-nums',
    whiteSpace: 'nowrap',
  }),
  link: css({ '&:hover span': { textDecoration: 'underline' } }),
  ok: css({ color: theme.colors.success.text, background: theme.colors.success.transparent }),
  warning: css({ color: theme.colors.warning.text, background: theme.colors.warning.transparent }),
  critical: css({ color: theme.colors.error.text, background: theme.colors.error.transparent }),
  unknown: css({ color: theme.colors.text.disabled }),
});

import thresholdFile from '../../../alerts/thresholds.json';
import { severityOf, THRESHOLDS, worstSeverity } from './thresholds';

describe('thresholds', () => {
  it('are the alert rules’ file, and judge each direction at its lines', () => {
    expect(THRESHOLDS).toBe(thresholdFile);
    const age = THRESHOLDS.backupAgeSeconds;
    expect(severityOf('backupAgeSeconds', age.warning)).toBe('ok');
    expect(severityOf('backupAgeSeconds', age.warning + 1)).toBe('warning');
    expect(severityOf('backupAgeSeconds', age.critical + 1)).toBe('critical');
    const days = THRESHOLDS.certDaysLeft;
    expect(severityOf('certDaysLeft', days.warning)).toBe('ok');
    expect(severityOf('certDaysLeft', days.warning - 0.5)).toBe('warning');
    expect(severityOf('certDaysLeft', days.critical - 0.5)).toBe('critical');
    expect(severityOf('certDaysLeft', undefined)).toBe('unknown');
  });

  it('rank the worst of several', () => {
    expect(worstSeverity(['ok', 'unknown', 'warning'])).toBe('warning');
    expect(worstSeverity([])).toBe('unknown');
  });
});

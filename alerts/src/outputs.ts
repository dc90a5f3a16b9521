/**
 * The files generated from alerts/src and alerts/thresholds.json, by path
 * relative to the repository root: written by `npm run generate`, compared
 * with the committed files by the tests.
 */
import { grafanaAlertingFile } from './grafanaRules.js';
import { alertingRulesFile, recordingRulesFile } from './prometheusRules.js';
import { loadThresholds, type Thresholds } from './thresholds.js';

export interface GeneratedFile {
  path: string;
  content: string;
}

export const RECORDING_RULES_PATH = 'alerts/recording.rules.yml';
export const ALERTING_RULES_PATH = 'alerts/alerting.rules.yml';
export const GRAFANA_ALERTING_PATH = 'provisioning/grafana/alerting/upkeep-rules.yaml';

export function alertFiles(thresholds: Thresholds = loadThresholds()): GeneratedFile[] {
  return [
    { path: RECORDING_RULES_PATH, content: recordingRulesFile() },
    { path: ALERTING_RULES_PATH, content: alertingRulesFile({ thresholds }) },
    { path: GRAFANA_ALERTING_PATH, content: grafanaAlertingFile(thresholds) },
  ];
}

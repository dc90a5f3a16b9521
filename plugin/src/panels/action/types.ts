/** What a dashboard author sets on an Upkeep action panel. */
export interface ActionPanelOptions {
  /** The exporter's action name: vacuum, backup, cancel-query, … */
  action: string;
  /** The target's name; dashboard variables allowed ($target). */
  target: string;
  /** The action's params as a JSON object; variables allowed inside string values ("$table"). */
  params: string;
  /** The button's text; the action's title when empty. */
  label: string;
}

export const DEFAULT_OPTIONS: ActionPanelOptions = { action: 'vacuum', target: '$target', params: '{}', label: '' };

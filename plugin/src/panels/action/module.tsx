// A nested plugin of the Upkeep app. Imported statically (no lazy chunks):
// a nested plugin's chunks would be looked up under its own id's path.
import { PanelPlugin } from '@grafana/data';
import { exporterClient } from '../../api/exporterClient';
import { ActionPanel } from './ActionPanel';
import { DEFAULT_OPTIONS, type ActionPanelOptions } from './types';

export const plugin = new PanelPlugin<ActionPanelOptions>(ActionPanel).setPanelOptions((builder) =>
  builder
    .addSelect({
      path: 'action',
      name: 'Action',
      description: 'The maintenance action the button runs (from the exporter’s catalog).',
      defaultValue: DEFAULT_OPTIONS.action,
      settings: {
        allowCustomValue: true,
        options: [],
        getOptions: async () => {
          try {
            const catalog = await exporterClient.actions();
            return catalog.actions.map((a) => ({ value: a.name, label: a.title, description: a.description }));
          } catch {
            return [];
          }
        },
      },
    })
    .addTextInput({
      path: 'target',
      name: 'Target',
      description: 'The target’s name; dashboard variables work ($target).',
      defaultValue: DEFAULT_OPTIONS.target,
    })
    .addTextInput({
      path: 'params',
      name: 'Params (JSON)',
      description: 'The action’s params, e.g. {"database": "$database", "table": "$table"}; variables are replaced inside string values.',
      defaultValue: DEFAULT_OPTIONS.params,
      settings: { useTextarea: true, rows: 4 },
    })
    .addTextInput({
      path: 'label',
      name: 'Button text',
      description: 'The action’s title when empty.',
      defaultValue: DEFAULT_OPTIONS.label,
    }),
);

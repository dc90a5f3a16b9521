/** Which target a page shows; kept in the URL (`?target=`) so links and reloads keep it. */
import React from 'react';
import { Combobox, Field } from '@grafana/ui';

export interface TargetPickerProps {
  targets: string[];
  value: string | undefined;
  onChange: (target: string) => void;
}

export function TargetPicker({ targets, value, onChange }: TargetPickerProps) {
  return (
    <Field label="Target" noMargin>
      <Combobox
        id="upkeep-target"
        width={30}
        options={targets.map((t) => ({ value: t, label: t }))}
        value={value ?? null}
        onChange={(option) => option && onChange(option.value)}
        placeholder="Choose a target"
      />
    </Field>
  );
}

import React from 'react';
import { Alert } from '@grafana/ui';
import { errorText } from '../../api/requestErrors';

/** A failed load, said where it failed. */
export function ProblemAlert({ title, error }: { title: string; error: unknown }) {
  if (!error) {
    return null;
  }
  return (
    <Alert severity="error" title={title}>
      {errorText(error)}
    </Alert>
  );
}

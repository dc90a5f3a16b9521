/**
 * Where action dialogs live: above the page, not inside the button that
 * opened them. A button in a table row is remounted whenever the table is
 * rebuilt, and a row can vanish (a cancelled session, a pruned dump) while
 * its job still runs; the dialog, its progress polling and its result must
 * not go with it. One dialog at a time, as in Grafana.
 */
import React, { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ActionDescription, Job, JsonValue } from '../../api/exporterTypes';
import type { Permission } from '../../permissions/actionPermission';
import { ActionDialog } from './ActionDialog';

export interface DialogRequest {
  action: ActionDescription;
  target: string;
  params: Record<string, JsonValue>;
  permission: Permission;
  onFinished?: (job: Job) => void;
  onClose?: () => void;
}

export interface ActionDialogs {
  open(request: DialogRequest): void;
  /** Opens a dialog a link asked for, once per `key`: a remounted button does not reopen it after it was closed. */
  openOnce(key: string, request: DialogRequest): void;
}

const DialogContext = createContext<ActionDialogs | undefined>(undefined);

export function ActionDialogHost({ children }: { children: ReactNode }) {
  const [current, setCurrent] = useState<{ id: number; request: DialogRequest }>();
  const opened = useRef(new Set<string>());
  const counter = useRef(0);
  const open = useCallback((request: DialogRequest) => setCurrent({ id: ++counter.current, request }), []);
  const openOnce = useCallback(
    (key: string, request: DialogRequest) => {
      if (!opened.current.has(key)) {
        opened.current.add(key);
        open(request);
      }
    },
    [open],
  );
  const dialogs = useMemo(() => ({ open, openOnce }), [open, openOnce]);
  return (
    <DialogContext.Provider value={dialogs}>
      {children}
      {current && (
        <ActionDialog
          key={current.id}
          {...current.request}
          onDismiss={() => {
            setCurrent(undefined);
            current.request.onClose?.();
          }}
        />
      )}
    </DialogContext.Provider>
  );
}

export function useActionDialogs(): ActionDialogs {
  const dialogs = useContext(DialogContext);
  if (!dialogs) {
    throw new Error('useActionDialogs outside ActionDialogHost');
  }
  return dialogs;
}

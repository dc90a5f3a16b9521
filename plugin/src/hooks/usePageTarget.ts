import { useEffect } from 'react';
import type { ExporterTarget } from '../api/exporterTypes';
import { useTargets } from './useTargets';
import { useUrlState } from './useUrlState';

/**
 * The target a page shows: `?target=` when given, else the first target of
 * the page's kinds (written back into the URL, so the page can be shared).
 */
export function usePageTarget(...kinds: string[]) {
  const targets = useTargets();
  const [params, update] = useUrlState();
  const ofKind = (targets.data ?? []).filter((t: ExporterTarget) => kinds.includes(t.kind)).map((t) => t.name);
  const requested = params.get('target') ?? undefined;
  const firstOfKind = ofKind[0];
  const target = requested ?? firstOfKind;
  useEffect(() => {
    if (!requested && firstOfKind) {
      update({ target: firstOfKind });
    }
  }, [requested, firstOfKind, update]);
  return {
    target,
    /** The target's kind, when the exporter lists it. */
    kind: targets.data?.find((t) => t.name === target)?.kind,
    /** The targets to choose from; a requested target the exporter does not list is kept (its metrics may still exist). */
    choices: requested && !ofKind.includes(requested) ? [...ofKind, requested] : ofKind,
    setTarget: (name: string) => update({ target: name }),
    targetsError: targets.error,
    targetsLoading: targets.loading,
  };
}

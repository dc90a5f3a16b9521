import { exporterClient } from '../api/exporterClient';
import type { ExporterTarget } from '../api/exporterTypes';
import { useUpkeepSession } from '../session/UpkeepSession';
import { useLoader, type Loaded } from './useLoader';

/** The exporter's configured targets (GET /api/v1/targets). */
export function useTargets(): Loaded<ExporterTarget[]> {
  const { configured, settings } = useUpkeepSession();
  return useLoader(async () => (configured ? exporterClient.targets() : []), settings.exporterUrl ?? '', 60_000);
}

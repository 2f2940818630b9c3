import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';

/** A Temporal client for the configured server; errors name the address and what to do. */
export async function connectTemporal(config: Pick<Config, 'temporal'>): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '10s' });
    return new Client({ connection, namespace: config.temporal.namespace });
  } catch (err) {
    throw new Error(
      `Cannot reach the Temporal server at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(err as Error).message}. ` +
        'Start it with `npm start`, or point TEMPORAL_ADDRESS at a running server.',
      { cause: err },
    );
  }
}

/** Link to a workflow run in the Temporal Web UI. */
export function temporalUiLink(config: Pick<Config, 'temporal'>, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

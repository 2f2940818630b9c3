import { parentPort, workerData } from 'node:worker_threads';
import { AddonExportError, readAddonExport } from './readAddonExport';

/**
 * Runs readAddonExport in a worker thread: a 5 MB file takes luaparse a few hundred milliseconds
 * of blocking work, which must not stall the API's event loop.
 */
const bytes = Buffer.from(workerData.bytes as Uint8Array);
try {
  parentPort!.postMessage({ ok: true, export: readAddonExport(bytes) });
} catch (err) {
  parentPort!.postMessage({ ok: false, invalid: err instanceof AddonExportError, message: err instanceof Error ? err.message : String(err) });
}

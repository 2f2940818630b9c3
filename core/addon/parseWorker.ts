import { parentPort, workerData } from 'node:worker_threads';
import { AddonExportError, readAddonExport, type ExpectedGuild } from './readAddonExport';

/**
 * Runs readAddonExport in a worker thread: a 5 MB file takes luaparse a few hundred milliseconds
 * of blocking work, which must not stall the API's event loop.
 */
const bytes = Buffer.from(workerData.bytes as Uint8Array);
const expected = workerData.expected as ExpectedGuild | undefined;
try {
  parentPort!.postMessage({ ok: true, export: readAddonExport(bytes, expected) });
} catch (err) {
  if (err instanceof AddonExportError) {
    parentPort!.postMessage({ ok: false, invalid: true, code: err.code, message: err.message, at: err.at, path: err.path });
  } else {
    parentPort!.postMessage({ ok: false, invalid: false, message: err instanceof Error ? err.message : String(err) });
  }
}

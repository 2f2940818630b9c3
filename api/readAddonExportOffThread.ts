import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AddonExport } from '../core/addon/exportSchema';
import { AddonExportError, readAddonExport } from '../core/addon/readAddonExport';

/**
 * The compiled worker script: next to this file in dist/, or the build's copy when this module runs
 * from TypeScript source (jest). Without either, parsing runs inline (slower to answer, same result).
 */
function workerScript(): string | null {
  const candidates = [
    path.resolve(__dirname, '..', 'core', 'addon', 'parseWorker.js'),
    path.resolve(__dirname, '..', 'dist', 'core', 'addon', 'parseWorker.js'),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

/** readAddonExport off the event loop; rejects with AddonExportError for a bad file. */
export function readAddonExportOffThread(bytes: Buffer): Promise<AddonExport> {
  const script = workerScript();
  if (!script) return Promise.resolve().then(() => readAddonExport(bytes));
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { bytes } });
    worker.once('message', (m: { ok: true; export: AddonExport } | { ok: false; invalid: boolean; message: string }) => {
      if (m.ok) resolve(m.export);
      else reject(m.invalid ? new AddonExportError(m.message) : new Error(m.message));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the SavedVariables parser thread stopped (exit ${code})`));
    });
  });
}

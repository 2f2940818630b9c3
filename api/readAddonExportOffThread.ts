import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AddonExport } from '../core/addon/exportSchema';
import { AddonExportError, readAddonExport, type AddonExportCode, type ExpectedGuild } from '../core/addon/readAddonExport';
import type { SourcePosition } from '../core/addon/savedVariables';

type WorkerAnswer =
  | { ok: true; export: AddonExport }
  | { ok: false; invalid: true; code: AddonExportCode; message: string; at?: SourcePosition; path?: string }
  | { ok: false; invalid: false; message: string };

/** The sources the compiled worker is built from: a copy older than any of them would judge by old rules. */
const WORKER_SOURCES = ['parseWorker.ts', 'readAddonExport.ts', 'savedVariables.ts', 'exportSchema.ts'];

/**
 * The compiled worker script: next to this file in dist/, or the build's copy when this module runs
 * from TypeScript source (jest), if that copy is not older than the sources. Without either, parsing
 * runs inline (slower to answer, same result).
 */
function workerScript(): string | null {
  const compiled = path.resolve(__dirname, '..', 'core', 'addon', 'parseWorker.js');
  if (fs.existsSync(compiled)) return compiled;
  const built = path.resolve(__dirname, '..', 'dist', 'core', 'addon', 'parseWorker.js');
  if (!fs.existsSync(built)) return null;
  const builtAt = fs.statSync(built).mtimeMs;
  const sources = path.resolve(__dirname, '..', 'core', 'addon');
  const stale = WORKER_SOURCES.some((f) => {
    try {
      return fs.statSync(path.join(sources, f)).mtimeMs > builtAt;
    } catch {
      return false;
    }
  });
  return stale ? null : built;
}

/** readAddonExport off the event loop; rejects with AddonExportError (code, line, column) for a bad file. */
export function readAddonExportOffThread(bytes: Buffer, expected?: ExpectedGuild): Promise<AddonExport> {
  const script = workerScript();
  if (!script) return Promise.resolve().then(() => readAddonExport(bytes, expected));
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { bytes, expected } });
    worker.once('message', (m: WorkerAnswer) => {
      if (m.ok) resolve(m.export);
      else reject(m.invalid ? new AddonExportError(m.code, m.message, m.at, m.path) : new Error(m.message));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the SavedVariables parser thread stopped (exit ${code})`));
    });
  });
}

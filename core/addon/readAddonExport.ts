import { MAX_SAVED_VARIABLES_BYTES, firstProblem, savedVariablesSchema, type AddonExport } from './exportSchema';
import { SavedVariablesError, parseSavedVariables } from './savedVariables';

export class AddonExportError extends Error {
  override name = 'AddonExportError';
}

/**
 * A PATTSync SavedVariables file → the export inside it, or an AddonExportError saying what is
 * wrong (size, syntax, code where data belongs, or the first path that does not fit the schema).
 * Shared by the companion (before queueing) and the API (before storing).
 */
export function readAddonExport(bytes: Buffer): AddonExport {
  if (bytes.length > MAX_SAVED_VARIABLES_BYTES) {
    throw new AddonExportError(
      `The file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; at most ${MAX_SAVED_VARIABLES_BYTES / 1024 / 1024} MB is accepted (a 10,000-member guild writes about 5 MB).`,
    );
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AddonExportError('The file is not valid UTF-8, which is how the game writes SavedVariables: was it edited or re-saved by another program?');
  }
  let globals;
  try {
    globals = parseSavedVariables(bytes);
  } catch (err) {
    if (err instanceof SavedVariablesError) throw new AddonExportError(err.message);
    throw err;
  }
  // Other globals (another addon's, or PATTSync's own per-character table) are not ours to check.
  const parsed = savedVariablesSchema.safeParse({ PATTSyncDB: globals.PATTSyncDB });
  if (!parsed.success) {
    if (globals.PATTSyncDB === undefined || globals.PATTSyncDB === null) {
      throw new AddonExportError('The file has no PATTSyncDB: type /pattsync in the game, then /reload so the game writes it.');
    }
    throw new AddonExportError(`The export does not have the expected shape at ${firstProblem(parsed.error)}`);
  }
  return parsed.data.PATTSyncDB.lastExport;
}

import type { Knex } from 'knex';
import { AddonExportError } from '../../../core/addon/readAddonExport';
import { UPLOAD_COLUMNS, type AddonUploadRow } from './recordAddonUpload';

/**
 * Ends an upload whose import cannot succeed: status `failed`, the reason in `error`, shown by the
 * upload status. Only a `received` upload changes; one already imported or failed is returned as it is.
 */
export async function failAddonUpload(knex: Knex, uploadId: number, reason: string, now = new Date()): Promise<AddonUploadRow | undefined> {
  const [row] = await knex('addon_uploads')
    .where({ id: uploadId, status: 'received' })
    .update({ status: 'failed', error: reason, imported_at: now })
    .returning(UPLOAD_COLUMNS);
  return row ?? (await knex('addon_uploads').where({ id: uploadId }).first(UPLOAD_COLUMNS));
}

/**
 * Why an import failed when the data itself is at fault, so retrying cannot help; undefined for
 * anything else (the database away, a deadlock, a lost connection: worth retrying).
 */
export function dataErrorReason(err: unknown): string | undefined {
  if (err instanceof AddonExportError) return `the stored file no longer reads as an export: ${err.message}`;
  const e = err as { code?: unknown; message?: unknown } | null;
  // SQLSTATE class 22 is "data exception": a value PostgreSQL will never take (\u0000 in jsonb or text, bad encoding).
  if (e && typeof e.code === 'string' && e.code.startsWith('22')) {
    const message = typeof e.message === 'string' ? e.message.replace(/^[\s\S]* - /, '') : 'a value PostgreSQL refuses';
    return `PostgreSQL refused a value of this export (SQLSTATE ${e.code}: ${message})`;
  }
  return undefined;
}

import type { Knex } from 'knex';

export interface AddonUploadRow {
  id: number;
  guild_id: number;
  api_key_id: number | null;
  content_hash: string;
  status: 'received' | 'imported' | 'failed' | 'rejected';
  member_count: number | null;
  exported_at: Date | null;
  exporter: string | null;
  officer_notes_included: boolean | null;
  counts: Record<string, unknown>;
  warnings: string[];
  /** Why the import failed (status failed). */
  error: string | null;
  received_at: Date;
  imported_at: Date | null;
}

export const UPLOAD_COLUMNS = [
  'id',
  'guild_id',
  'api_key_id',
  'content_hash',
  'status',
  'member_count',
  'exported_at',
  'exporter',
  'officer_notes_included',
  'counts',
  'warnings',
  'error',
  'received_at',
  'imported_at',
] as const;

/**
 * Keeps an accepted upload: the raw file, its hash, who sent it and when. The same content twice is
 * one row: the second call gets the first row back with `duplicate: true`.
 */
export async function recordAddonUpload(
  knex: Knex,
  input: {
    guildId: number;
    apiKeyId: number | null;
    contentHash: string;
    raw: string;
    summary: { members: number; exportedAt: Date; exporter: string; officerNotesIncluded: boolean };
  },
): Promise<{ upload: AddonUploadRow; duplicate: boolean }> {
  const inserted: AddonUploadRow[] = await knex('addon_uploads')
    .insert({
      guild_id: input.guildId,
      api_key_id: input.apiKeyId,
      content_hash: input.contentHash,
      raw_payload: input.raw,
      status: 'received',
      member_count: input.summary.members,
      exported_at: input.summary.exportedAt,
      exporter: input.summary.exporter,
      officer_notes_included: input.summary.officerNotesIncluded,
    })
    .onConflict(['guild_id', 'content_hash'])
    .ignore()
    .returning(UPLOAD_COLUMNS);
  if (inserted[0]) return { upload: inserted[0], duplicate: false };
  const existing: AddonUploadRow = await knex('addon_uploads').where({ guild_id: input.guildId, content_hash: input.contentHash }).first(UPLOAD_COLUMNS);
  return { upload: existing, duplicate: true };
}

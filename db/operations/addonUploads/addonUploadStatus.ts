import type { Knex } from 'knex';
import { UPLOAD_COLUMNS, type AddonUploadRow } from './recordAddonUpload';

export interface AddonUploadSummary extends AddonUploadRow {
  uploader: string | null;
}

export interface AddonNoteChange {
  character: string;
  kind: 'guild_note' | 'officer_note';
  note: string;
}

/** The notes one upload changed, by character name (the first `limit`, by name). */
export async function noteChangesOf(knex: Knex, uploadId: number, limit = 50): Promise<{ changes: AddonNoteChange[]; total: number }> {
  const [rows, total] = await Promise.all([
    knex('wow_character_notes as n')
      .join('wow_characters as c', 'c.id', 'n.wow_character_id')
      .where({ 'n.addon_upload_id': uploadId })
      .orderBy([{ column: 'c.name' }, { column: 'c.realm_slug' }, { column: 'n.kind' }])
      .limit(limit)
      .select(knex.raw("c.name || '-' || c.realm_slug as character"), 'n.kind', 'n.note'),
    knex('wow_character_notes').where({ addon_upload_id: uploadId }).count<{ n: number }[]>('* as n'),
  ]);
  return { changes: rows as AddonNoteChange[], total: Number(total[0]?.n ?? 0) };
}

/** The guild's latest uploads, newest first, with the name of the API key that sent each. */
export async function recentAddonUploads(knex: Knex, guildId: number, limit = 5): Promise<AddonUploadSummary[]> {
  return knex('addon_uploads as u')
    .leftJoin('api_keys as k', 'k.id', 'u.api_key_id')
    .where({ 'u.guild_id': guildId })
    .orderBy([{ column: 'u.received_at', order: 'desc' }, { column: 'u.id', order: 'desc' }])
    .limit(limit)
    .select([...UPLOAD_COLUMNS.map((c) => `u.${c}`), 'k.name as uploader']);
}

import type { Knex } from 'knex';
import { UPLOAD_COLUMNS, type AddonUploadRow } from './recordAddonUpload';

export interface AddonUploadSummary extends AddonUploadRow {
  uploader: string | null;
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

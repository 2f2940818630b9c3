import type { Knex } from 'knex';
import { planNoteMerge, type CharacterForNotes, type NoteMergeCounts } from '../../../core/addon/mergeNotes';
import { readAddonExport } from '../../../core/addon/readAddonExport';
import { UPLOAD_COLUMNS, type AddonUploadRow } from './recordAddonUpload';

export interface AddonImportCounts extends Partial<NoteMergeCounts> {
  members: number;
  /** False when a newer export had already been imported: nothing from this one was applied. */
  applied: boolean;
}

/**
 * Merges one upload's notes onto the guild's characters, in one transaction: GUIDs learned, notes
 * changed, a history row per changed note. Idempotent: an upload already imported returns what it
 * recorded. Uploads of one guild import one at a time, and an export older than one already
 * imported changes nothing (it says so), so notes never go back in time.
 */
export async function importAddonUpload(knex: Knex, uploadId: number, now = new Date()): Promise<AddonUploadRow> {
  return knex.transaction(async (trx) => {
    const upload = await trx('addon_uploads').where({ id: uploadId }).forUpdate().first([...UPLOAD_COLUMNS, 'raw_payload']);
    if (!upload) throw new Error(`Addon upload ${uploadId} not found`);
    if (upload.status !== 'received') return strip(upload);
    await trx.raw("SELECT pg_advisory_xact_lock(hashtext('addon_import'), ?)", [upload.guild_id]);

    const exp = readAddonExport(Buffer.from(upload.raw_payload as string, 'utf8'));
    const exportedAt = new Date(exp.exportedAt * 1000);
    const newer = await trx('addon_uploads')
      .where({ guild_id: upload.guild_id, status: 'imported' })
      .where('exported_at', '>', exportedAt)
      .orderBy('exported_at', 'desc')
      .first('id', 'exported_at');
    if (newer) {
      const warning = `This export (${exportedAt.toISOString()}) is older than upload #${newer.id} (${(newer.exported_at as Date).toISOString()}), already imported: its notes were not applied.`;
      return finish(trx, uploadId, { members: exp.members.length, applied: false }, [warning], now);
    }

    const characters: CharacterForNotes[] = (
      await trx('wow_characters')
        .where({ guild_id: upload.guild_id })
        .select('id', 'guid', 'name', 'realm_slug', 'realm_name', 'guild_note', 'officer_note')
    ).map((r) => ({ id: r.id, guid: r.guid, name: r.name, realmSlug: r.realm_slug, realmName: r.realm_name, guildNote: r.guild_note, officerNote: r.officer_note }));
    const plan = planNoteMerge(exp, characters);

    const history: Record<string, unknown>[] = [];
    for (const u of plan.updates) {
      if (u.guildNote !== undefined) history.push({ guild_id: upload.guild_id, wow_character_id: u.characterId, addon_upload_id: uploadId, kind: 'guild_note', note: u.guildNote, noted_at: exportedAt });
      if (u.officerNote !== undefined) history.push({ guild_id: upload.guild_id, wow_character_id: u.characterId, addon_upload_id: uploadId, kind: 'officer_note', note: u.officerNote, noted_at: exportedAt });
    }
    // A first import changes every character: one UPDATE per few thousand, not one per character.
    for (let i = 0; i < plan.updates.length; i += 5_000) {
      const rows = plan.updates.slice(i, i + 5_000).map((u) => ({
        id: u.characterId,
        guid: u.guid ?? null,
        set_guild: u.guildNote !== undefined,
        guild_note: u.guildNote ?? null,
        set_officer: u.officerNote !== undefined,
        officer_note: u.officerNote ?? null,
      }));
      await trx.raw(
        `UPDATE wow_characters c SET
           guid = COALESCE(u.guid, c.guid),
           guild_note = CASE WHEN u.set_guild THEN u.guild_note ELSE c.guild_note END,
           officer_note = CASE WHEN u.set_officer THEN u.officer_note ELSE c.officer_note END,
           notes_updated_at = CASE WHEN u.set_guild OR u.set_officer THEN ? ELSE c.notes_updated_at END,
           updated_at = ?
         FROM jsonb_to_recordset(?::jsonb) AS u(id int, guid text, set_guild boolean, guild_note text, set_officer boolean, officer_note text)
         WHERE c.id = u.id`,
        [exportedAt, now, JSON.stringify(rows)],
      );
    }
    for (let i = 0; i < history.length; i += 2_000) {
      await trx('wow_character_notes').insert(history.slice(i, i + 2_000)).onConflict(['addon_upload_id', 'wow_character_id', 'kind']).ignore();
    }
    return finish(trx, uploadId, { ...plan.counts, applied: true }, plan.warnings, now);
  });
}

async function finish(trx: Knex.Transaction, uploadId: number, counts: AddonImportCounts, warnings: string[], now: Date): Promise<AddonUploadRow> {
  const [row] = await trx('addon_uploads')
    .where({ id: uploadId })
    .update({ status: 'imported', imported_at: now, counts: JSON.stringify(counts), warnings: JSON.stringify(warnings) })
    .returning(UPLOAD_COLUMNS);
  return row;
}

function strip(row: AddonUploadRow & { raw_payload?: string }): AddonUploadRow {
  const { raw_payload: _raw, ...rest } = row;
  return rest;
}

import type { Knex } from 'knex';

/**
 * Addon uploads as the import reads them (when the game exported, by whom, what it found), and the
 * history of every character's public and officer notes, so a note an officer overwrote is not lost.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('addon_uploads', (t) => {
    t.timestamp('exported_at', { useTz: true }).comment('When /pattsync ran in the game (the export says)');
    t.text('exporter').comment('Name-Realm of the character who exported');
    t.boolean('officer_notes_included').comment('Whether the exporter could read officer notes');
    t.jsonb('counts').notNullable().defaultTo('{}').comment('members, matched, notes changed, unmatched, …');
    t.jsonb('warnings').notNullable().defaultTo('[]').comment('What officers should know about this upload');
    t.index(['guild_id', 'received_at'], 'addon_uploads_recent_idx');
  });
  await knex.raw("ALTER TABLE addon_uploads ADD CONSTRAINT addon_uploads_status_chk CHECK (status IN ('received','imported','rejected'))");

  await knex.schema.createTable('wow_character_notes', (t) => {
    t.comment('Every public and officer note a character has had, from addon uploads.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('wow_character_id').notNullable().references('wow_characters.id').onDelete('CASCADE');
    t.integer('addon_upload_id').references('addon_uploads.id').onDelete('SET NULL');
    t.text('kind').notNullable().comment('guild_note | officer_note');
    t.text('note').notNullable().comment('The note as the game gave it (may be empty)');
    t.timestamp('noted_at', { useTz: true }).notNullable().comment('Export time of the upload that carried it');
    t.index(['wow_character_id', 'kind', 'noted_at'], 'wow_character_notes_history_idx');
    t.unique(['addon_upload_id', 'wow_character_id', 'kind'], { indexName: 'wow_character_notes_once_per_upload_uniq' });
  });
  await knex.raw("ALTER TABLE wow_character_notes ADD CONSTRAINT wow_character_notes_kind_chk CHECK (kind IN ('guild_note','officer_note'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('wow_character_notes');
  await knex.raw('ALTER TABLE addon_uploads DROP CONSTRAINT IF EXISTS addon_uploads_status_chk');
  await knex.schema.alterTable('addon_uploads', (t) => {
    t.dropIndex(['guild_id', 'received_at'], 'addon_uploads_recent_idx');
    for (const c of ['exported_at', 'exporter', 'officer_notes_included', 'counts', 'warnings']) t.dropColumn(c);
  });
}

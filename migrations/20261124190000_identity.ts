import type { Knex } from 'knex';

/**
 * The identity engine's memory: who a person's main is and who named them, links the notes now
 * contradict, and the history of every link (created, confirmed, moved, withdrawn, rejected,
 * merged, split), so officers can see how a person came to be.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('persons', (t) => {
    t.integer('main_character_id').references('wow_characters.id').onDelete('SET NULL').comment('The main, from notes, the sheet or an officer');
    t.text('named_by').comment('Who named the person and chose the main (sheet import, an officer); null: automation keeps it current');
  });

  await knex.schema.alterTable('identity_links', (t) => {
    t.jsonb('flag').comment('Why the notes now contradict this decided link ({reason, evidence}); null when they agree');
    t.timestamp('flagged_at', { useTz: true });
  });
  await knex.raw(`COMMENT ON COLUMN identity_links.source IS 'roster | notes | matcher | officer | sheet'`);
  await knex.raw(`COMMENT ON COLUMN identity_links.decided_by IS 'Officer (or "sheet import") who decided it; set means automation never changes it'`);
  await knex.raw(`ALTER TABLE identity_links ADD CONSTRAINT identity_links_source_chk CHECK (source IN ('roster','notes','matcher','officer','sheet'))`);
  await knex.raw(`CREATE INDEX identity_links_person_idx ON identity_links (person_id)`);
  await knex.raw(`CREATE INDEX identity_links_character_idx ON identity_links (wow_character_id) WHERE wow_character_id IS NOT NULL`);
  await knex.raw(`CREATE INDEX identity_links_member_idx ON identity_links (discord_member_id) WHERE discord_member_id IS NOT NULL`);

  await knex.schema.createTable('identity_link_events', (t) => {
    t.comment('History of links and persons. Ids are kept as plain numbers so history outlives what it names.');
    t.bigIncrements('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('link_id').comment('The link, if it still exists');
    t.text('kind').notNullable().comment('created | confirmed | unconfirmed | evidence_changed | moved | withdrawn | rejected | flagged | unflagged | merged | split');
    t.integer('wow_character_id');
    t.integer('discord_member_id');
    t.integer('from_person_id');
    t.integer('to_person_id');
    t.text('status').comment('Link status after the event');
    t.text('actor').notNullable().comment('"automation", "sheet import" or the officer');
    t.text('reason');
    t.jsonb('evidence').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guild_id', 'created_at'], 'identity_link_events_recent_idx');
    t.index(['to_person_id'], 'identity_link_events_to_person_idx');
    t.index(['from_person_id'], 'identity_link_events_from_person_idx');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('identity_link_events');
  await knex.raw('DROP INDEX IF EXISTS identity_links_person_idx');
  await knex.raw('DROP INDEX IF EXISTS identity_links_character_idx');
  await knex.raw('DROP INDEX IF EXISTS identity_links_member_idx');
  await knex.raw('ALTER TABLE identity_links DROP CONSTRAINT IF EXISTS identity_links_source_chk');
  await knex.schema.alterTable('identity_links', (t) => {
    t.dropColumn('flag');
    t.dropColumn('flagged_at');
  });
  await knex.schema.alterTable('persons', (t) => {
    t.dropColumn('main_character_id');
    t.dropColumn('named_by');
  });
}

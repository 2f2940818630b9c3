import type { Knex } from 'knex';

/**
 * Sheet imports are recorded before they run (the durable path: a workflow imports the row by its
 * id), and a guild's first audit report can be held until the guild is seeded or an officer
 * releases it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sheet_imports', (t) => {
    t.comment("The officers sheet as sent (CLI, API, demo): imported by the sheetImport workflow, which stores its report here.");
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('discord_ids_csv').notNullable().comment('The DiscordIDs tab as CSV, as sent');
    t.text('characters_csv').notNullable().comment('The Characters sheet as CSV, as sent');
    t.text('content_hash').notNullable().comment('SHA-256 of both texts and dry_run: the same sheet sent again while one runs joins it');
    t.boolean('dry_run').notNullable();
    t.text('by').notNullable().comment('Who imports: kept with every link the sheet sets');
    t.text('status').notNullable().defaultTo('received').comment('received | imported | failed');
    t.jsonb('report').comment('The import report (what changed, rows not used)');
    t.text('error').comment('Why it failed (SHEET_FORMAT: … names the missing column)');
    t.text('workflow_id');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['guild_id', 'received_at'], 'sheet_imports_recent_idx');
  });
  await knex.raw("ALTER TABLE sheet_imports ADD CONSTRAINT sheet_imports_status_chk CHECK (status IN ('received','imported','failed'))");
  // The same content is never imported twice at once: a re-send while one runs joins it.
  await knex.raw("CREATE UNIQUE INDEX sheet_imports_one_running_uniq ON sheet_imports (guild_id, content_hash) WHERE status = 'received'");

  await knex.schema.createTable('audit_first_report_releases', (t) => {
    t.comment("An officer released the guild first audit report before the guild was seeded (AUDIT_FIRST_REPORT_WAITS_FOR).");
    t.integer('guild_id').primary().references('guilds.id').onDelete('CASCADE');
    t.text('released_by').notNullable();
    t.timestamp('released_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('audit_first_report_releases');
  await knex.schema.dropTableIfExists('sheet_imports');
}

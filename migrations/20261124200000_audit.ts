import type { Knex } from 'knex';

/**
 * The audit: what each finding is about and what to do, and the reports that told officers. A
 * report's messages are fixed when it is prepared, so every retry posts the same words; a finding
 * is notified only once the report carrying it is posted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_reports', (t) => {
    t.comment('One report to #audit-channel: the findings it tells, as the messages it posts.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('status').notNullable().defaultTo('pending').comment('pending | posted');
    t.boolean('first').notNullable().comment('The first full audit of the guild');
    t.text('channel_id').notNullable();
    t.jsonb('messages').notNullable().comment('The packed messages, posted in order as parts');
    t.specificType('finding_ids', 'integer[]').notNullable().comment('audit_issues told as new');
    t.specificType('resolved_ids', 'integer[]').notNullable().comment('audit_issues told as resolved');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('posted_at', { useTz: true });
    t.index(['guild_id', 'created_at'], 'audit_reports_recent_idx');
  });
  await knex.raw("ALTER TABLE audit_reports ADD CONSTRAINT audit_reports_status_chk CHECK (status IN ('pending','posted'))");
  // One report in flight per guild: a second trigger resumes it instead of telling the same findings again.
  await knex.raw("CREATE UNIQUE INDEX audit_reports_one_pending_uniq ON audit_reports (guild_id) WHERE status = 'pending'");

  await knex.schema.alterTable('audit_issues', (t) => {
    t.jsonb('subject').notNullable().defaultTo('{}').comment('person, character (Name-realm) and @discord, as officers call them');
    t.text('action').comment('What to do about it');
    t.integer('report_id').references('audit_reports.id').onDelete('SET NULL').comment('The report that told it');
    t.integer('resolved_report_id').references('audit_reports.id').onDelete('SET NULL').comment('The report that told it was resolved');
  });
  await knex.raw("ALTER TABLE audit_issues ADD CONSTRAINT audit_issues_severity_chk CHECK (severity IN ('action','warning','info'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE audit_issues DROP CONSTRAINT IF EXISTS audit_issues_severity_chk');
  await knex.schema.alterTable('audit_issues', (t) => {
    for (const c of ['subject', 'action', 'report_id', 'resolved_report_id']) t.dropColumn(c);
  });
  await knex.schema.dropTableIfExists('audit_reports');
}

import type { Knex } from 'knex';

/**
 * Why a finding was resolved (linked, came back, left, fixed, note fixed, …), decided from the data
 * when it is resolved, so the report's resolved line can say it; `merged` marks a finding that only
 * became part of another (one finding for a suggested pair) and is not told as resolved.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_issues', (t) => {
    t.text('resolution').comment('Why it was resolved: linked | came_back | left | fixed | note_fixed | decided | suggestion_gone | merged; null when the data did not say');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_issues', (t) => {
    t.dropColumn('resolution');
  });
}

import type { Knex } from 'knex';

/** An upload whose import cannot succeed ends as `failed`, with the reason in `error`. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE addon_uploads DROP CONSTRAINT IF EXISTS addon_uploads_status_chk');
  await knex.raw("ALTER TABLE addon_uploads ADD CONSTRAINT addon_uploads_status_chk CHECK (status IN ('received','imported','failed','rejected'))");
  await knex.raw("COMMENT ON COLUMN addon_uploads.status IS 'received | imported | failed (error says why) | rejected'");
}

export async function down(knex: Knex): Promise<void> {
  await knex('addon_uploads').where({ status: 'failed' }).update({ status: 'rejected' });
  await knex.raw('ALTER TABLE addon_uploads DROP CONSTRAINT IF EXISTS addon_uploads_status_chk');
  await knex.raw("ALTER TABLE addon_uploads ADD CONSTRAINT addon_uploads_status_chk CHECK (status IN ('received','imported','rejected'))");
}

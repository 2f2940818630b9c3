import type { Knex } from 'knex';
import * as initialSchema from './20261124150000_initial_schema';
import * as discordSync from './20261124170000_discord_sync';
import * as addonNotes from './20261124180000_addon_notes';
import * as identity from './20261124190000_identity';
import * as audit from './20261124200000_audit';
import * as sheetImports from './20261124210000_sheet_imports';
import * as auditResolution from './20261205120000_audit_resolution';
import * as addonUploadFailed from './20261205130000_addon_upload_failed';

/**
 * Migrations are listed here rather than found on disk, so the same code runs from TypeScript
 * under jest and from dist/ in production. Add each new migration to the end.
 */
const migrations: Record<string, Knex.Migration> = {
  '20261124150000_initial_schema': initialSchema,
  '20261124170000_discord_sync': discordSync,
  '20261124180000_addon_notes': addonNotes,
  '20261124190000_identity': identity,
  '20261124200000_audit': audit,
  '20261124210000_sheet_imports': sheetImports,
  '20261205120000_audit_resolution': auditResolution,
  '20261205130000_addon_upload_failed': addonUploadFailed,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};

import { createKnex, migrateDown, migrateToLatest } from '../db/knex';

describe('migrations', () => {
  it('roll all the way down and up again on a scratch database, and back up to an empty, working schema', async () => {
    const admin = createKnex(process.env.DATABASE_URL!, { max: 1 });
    const scratch = `patt_migrate_${process.pid}`;
    await admin.raw(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${scratch}`);
    const u = new URL(process.env.DATABASE_URL!);
    u.pathname = `/${scratch}`;
    const knex = createKnex(u.toString(), { max: 1 });
    try {
      expect(await migrateToLatest(knex)).toEqual(['20261124150000_initial_schema', '20261124170000_discord_sync', '20261124180000_addon_notes', '20261124190000_identity', '20261124200000_audit', '20261124210000_sheet_imports', '20261205120000_audit_resolution', '20261205130000_addon_upload_failed']);
      await knex('guilds').insert({ key: 'us/senjin/x', region: 'us', realm_slug: 'senjin', name_slug: 'x' });
      expect(await migrateToLatest(knex)).toEqual([]);
      await migrateDown(knex, 0);
      const { rows } = await knex.raw("select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name not like 'knex%'");
      expect(rows[0].n).toBe(0);
      await migrateToLatest(knex);
      expect(await knex('guilds').count('* as n')).toEqual([{ n: 0 }]);
    } finally {
      await knex.destroy();
      await admin.raw(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      await admin.destroy();
    }
  });

  it('refuses a second running sync of the same kind for one guild', async () => {
    const knex = createKnex(process.env.DATABASE_URL!, { max: 1 });
    try {
      const [g] = await knex('guilds').insert({ key: `us/senjin/once-${Date.now()}`, region: 'us', realm_slug: 'senjin', name_slug: 'once' }).returning('id');
      const run = (r: string) => ({ guild_id: g.id, kind: 'blizzard_roster', workflow_id: 'w', temporal_run_id: r });
      await knex('sync_runs').insert(run('a'));
      await expect(knex('sync_runs').insert(run('b'))).rejects.toThrow(/sync_runs_one_running_uniq/);
    } finally {
      await knex.destroy();
    }
  });
});

import { createKnex, type Knex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';

/** A knex on the suite's migrated test database. */
export function testKnex(): Knex {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: jest globalSetup did not run');
  return createKnex(url, { max: 4 });
}

let counter = 0;
/** A guild of its own per test, so tests never see each other's rows. */
export async function freshGuild(knex: Knex, label = 'test'): Promise<{ id: number; realmSlug: string; nameSlug: string; region: string; key: string }> {
  const nameSlug = `${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const g = { region: 'us', realmSlug: 'senjin', nameSlug };
  const id = await ensureGuild(knex, g);
  return { id, ...g, key: `us/senjin/${nameSlug}` };
}

import knexFactory, { type Knex } from 'knex';
import { Model } from 'objection';
import pg from 'pg';
import { migrationSource } from '../migrations';

// bigint columns (Blizzard ids) come back as strings by default; they fit a JS number well below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// numeric (confidence) as a number too.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type { Knex };

export function createKnex(databaseUrl: string, pool: { min?: number; max?: number } = {}): Knex {
  const knex = knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
  });
  Model.knex(knex);
  return knex;
}

/** Brings the schema to the latest migration; safe to run on every start. */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

export async function migrateDown(knex: Knex, to: string | 0): Promise<void> {
  if (to === 0) {
    await knex.migrate.rollback({ migrationSource }, true);
    return;
  }
  await knex.migrate.down({ migrationSource, name: to });
}

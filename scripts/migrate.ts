import { ConfigError, loadConfig, runMain } from '../config';
import { createLogger } from '../config/logger';
import { createKnex, migrateToLatest } from '../db/knex';

/** Brings the database schema up to date (the `migrate` service in docker-compose). */
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger(config, 'migrate');
  if (!config.database.url) throw new ConfigError('DATABASE_URL is not set: set it to the PostgreSQL database to migrate.');
  const knex = createKnex(config.database.url, { max: 1 });
  try {
    const applied = await migrateToLatest(knex);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'schema already up to date');
  } finally {
    await knex.destroy();
  }
});

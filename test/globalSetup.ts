import fs from 'node:fs';
import path from 'node:path';
import { createKnex, migrateToLatest } from '../db/knex';
import { TEST_ENV_FILE } from './testEnvFile';

/**
 * One real PostgreSQL database for the whole suite, migrated once.
 * TEST_DATABASE_URL names a server; the suite works in its own database there.
 */
export default async function globalSetup(): Promise<void> {
  const serverUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = 'patt_test';
  const admin = createKnex(serverUrl, { max: 1 });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.destroy();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  const knex = createKnex(u.toString(), { max: 1 });
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
  }
  fs.mkdirSync(path.dirname(TEST_ENV_FILE), { recursive: true });
  fs.writeFileSync(TEST_ENV_FILE, JSON.stringify({ DATABASE_URL: u.toString() }));
}

/**
 * Runs in every jest worker before the tests: points them at the database and Temporal server that
 * globalSetup started (it leaves their addresses in a small JSON file).
 */
import fs from 'node:fs';
import { TEST_ENV_FILE } from './testEnvFile';

if (fs.existsSync(TEST_ENV_FILE)) {
  const env = JSON.parse(fs.readFileSync(TEST_ENV_FILE, 'utf8')) as Record<string, string>;
  Object.assign(process.env, env);
}
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'silent';

import path from 'node:path';

export const PROJECT_DIR = path.resolve(__dirname, '..');
/**
 * PATT_TEST_ID keeps two suites on one machine apart (their own database and env file): developers
 * running a few test files while the whole suite runs.
 */
export const TEST_RUN_ID = (process.env.PATT_TEST_ID ?? '').replace(/[^a-z0-9_]/gi, '').toLowerCase();
export const TEST_ENV_FILE = path.join(PROJECT_DIR, '.data', TEST_RUN_ID ? `test-${TEST_RUN_ID}` : 'test', 'env.json');

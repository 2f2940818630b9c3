import path from 'node:path';

export const PROJECT_DIR = path.resolve(__dirname, '..');
export const TEST_ENV_FILE = path.join(PROJECT_DIR, '.data', 'test', 'env.json');

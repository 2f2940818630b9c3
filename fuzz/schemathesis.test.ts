/**
 * Schemathesis over the whole OpenAPI document, against the real app on the suite's PostgreSQL:
 * a guild seeded with characters, Discord accounts and links, a key with every scope, and the
 * Temporal side played by the tests' stand-ins (the identity step and sheet import run in the
 * request). The app listens on 127.0.0.1 only. Every answer is counted here, at the server, so
 * "zero 5xx" does not rest on schemathesis' own report alone.
 *
 * `npm test` runs a bounded pass (a few examples per operation, killed after 90 s);
 * `npm run fuzz` runs the full one (PATT_FUZZ_FULL=1).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Knex } from 'knex';
import { API_KEY_SCOPES } from '../db/operations/apiKeys/createApiKey';
import { runIdentity } from '../db/operations/identity/runIdentity';
import { testApi } from '../test/apiApp';
import { testKnex } from '../test/db';
import { OFFICERS_GUILD, seedIdentityGuild } from '../test/identityGuild';

const FULL = process.env.PATT_FUZZ_FULL === '1';
const MAX_EXAMPLES = Number(process.env.PATT_FUZZ_MAX_EXAMPLES ?? (FULL ? 500 : 5));
/** The bounded run's hard limit (the first install of schemathesis included); the full run gets an hour. */
const HARD_LIMIT_MS = Number(process.env.PATT_FUZZ_LIMIT_MS ?? (FULL ? 60 * 60_000 : 90_000));
const SCRIPT = path.join(__dirname, 'schemathesis.sh');
const REPORT_DIR = path.join(__dirname, '..', '.cache', 'fuzz', FULL ? 'full' : 'bounded');

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
if (!hasPython) {
  // Said loudly: a skipped fuzz run must not pass for a clean one.
  console.warn('fuzz/schemathesis.test.ts SKIPPED: python3 is not installed, so schemathesis cannot run. Install python3 (with venv) and run `npm run fuzz`.');
}

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

interface Answer {
  method: string;
  url: string;
  status: number;
}

(hasPython ? it : it.skip)(
  `schemathesis finds no 5xx anywhere in the OpenAPI document (${FULL ? 'full run' : 'bounded run'}, ${MAX_EXAMPLES} examples per operation)`,
  async () => {
    const api = await testApi(knex, { label: 'fuzz' });
    await seedIdentityGuild(knex, api.guild.id, OFFICERS_GUILD.chars, OFFICERS_GUILD.members);
    await runIdentity(knex, api.guild.id);
    const key = await api.mintKey([...API_KEY_SCOPES], 'schemathesis');

    const answers: Answer[] = [];
    const server = http.createServer((req, res) => {
      res.on('finish', () => answers.push({ method: req.method ?? '?', url: req.url ?? '?', status: res.statusCode }));
      void api.server(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    fs.rmSync(REPORT_DIR, { recursive: true, force: true });
    const args = [
      base,
      '--header', `Authorization: Bearer ${key}`,
      '--checks', 'not_a_server_error,response_schema_conformance,content_type_conformance,unsupported_method,allow_header_conformance',
      '--phases', FULL ? 'examples,coverage,fuzzing,stateful' : 'examples,coverage,fuzzing',
      '--max-examples', String(MAX_EXAMPLES),
      '--workers', '1',
      '--request-timeout', '30',
      '--suppress-health-check', 'all',
      '--no-color',
      '--report', 'junit',
      '--report-dir', REPORT_DIR,
      ...(FULL ? [] : ['--seed', '20261124']),
    ];
    let output = '';
    let killed = false;
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
      child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, HARD_LIMIT_MS);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const byStatus: Record<number, number> = {};
    for (const a of answers) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
    const serverErrors = answers.filter((a) => a.status >= 500);
    const summary = `schemathesis: ${answers.length} requests answered, by status ${JSON.stringify(byStatus)}, ${serverErrors.length} 5xx`;
    fs.mkdirSync(REPORT_DIR, { recursive: true });
    fs.writeFileSync(path.join(REPORT_DIR, 'output.txt'), `${output}\n${summary}\n`);
    console.log(`${summary}\n${output.split('\n').filter((l) => /passed|failed|errors?|Test cases|operations|Summary|seconds|Phase/i.test(l)).slice(-25).join('\n')}`);

    expect(killed ? `killed after ${HARD_LIMIT_MS / 1000} s (raise PATT_FUZZ_LIMIT_MS, or lower PATT_FUZZ_MAX_EXAMPLES)` : 'finished').toBe('finished');
    expect(serverErrors).toEqual([]);
    expect(answers.length).toBeGreaterThan(50);
    if (code !== 0) throw new Error(`schemathesis exited ${code}; its output (also in ${path.relative(process.cwd(), REPORT_DIR)}/output.txt):\n${output.slice(-12_000)}`);
  },
  HARD_LIMIT_MS + 60_000,
);

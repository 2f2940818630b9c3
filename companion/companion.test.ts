import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { readAddonExport } from '../core/addon/readAddonExport';
import { startCompanion, type Companion } from './companion';
import type { CompanionConfig } from './config';

const FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'core', 'addon', 'fixtures', 'PATTSync.lua'), 'utf8');

/** The fixture as exported at another time: a different export, byte for byte. */
function exportAt(exportedAt: number): Buffer {
  return Buffer.from(FIXTURE.replace('["exportedAt"] = 1764000000', `["exportedAt"] = ${exportedAt}`));
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Received {
  body: Buffer;
  headers: http.IncomingHttpHeaders;
  url: string;
}

type Mode = 'ok' | { status: number; body?: unknown };

/** The API's upload endpoint as the contract describes it; it can be down (port closed) or answer errors. */
class FakeApi {
  readonly received: Received[] = [];
  /** Bodies it accepted, in order (repeats answered as duplicates, not listed twice). */
  readonly accepted: Buffer[] = [];
  mode: Mode = 'ok';
  /** Answers for the next requests, before `mode` applies again. */
  script: Mode[] = [];
  /** What GET /api/health answers: 200 (ok) or 503 (the database or Temporal down). */
  health: 'ok' | 503 = 'ok';
  /** Every request in arrival order: `health` or the uploaded body's sha256. */
  readonly log: string[] = [];
  private server?: http.Server;
  private port = 0;
  private readonly receipts = new Map<string, { uploadId: string; members: number }>();

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.answer(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port: the companion sees ECONNREFUSED. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get probes(): number {
    return this.log.filter((l) => l === 'health').length;
  }

  private answer(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    if (req.method === 'GET' && req.url === '/api/health') {
      this.log.push('health');
      const ok = this.health === 'ok';
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'degraded', database: 'ok', temporal: ok ? 'ok' : 'down' }));
      return;
    }
    this.log.push(sha(body));
    this.received.push({ body, headers: req.headers, url: req.url ?? '' });
    const mode = this.script.shift() ?? this.mode;
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (mode !== 'ok') return send(mode.status, mode.body ?? { error: { code: 'TEST', message: `answered ${mode.status}`, requestId: 'r' } });
    if (req.headers['x-content-sha256'] !== sha(body)) {
      return send(400, { error: { code: 'HASH_MISMATCH', message: 'X-Content-SHA256 does not match the body', requestId: 'r' } });
    }
    const hash = sha(body);
    const seen = this.receipts.get(hash);
    if (seen) return send(202, { ...seen, contentHash: hash, status: 'received', duplicate: true });
    const receipt = { uploadId: String(this.receipts.size + 1), members: readAddonExport(body).members.length };
    this.receipts.set(hash, receipt);
    this.accepted.push(body);
    send(202, { ...receipt, contentHash: hash, status: 'received', duplicate: false });
  }
}

/** Polls until `fn` gives something truthy; fails with `what` after its own deadline. */
async function waitFor<T>(what: string, fn: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function within<T>(what: string, p: Promise<T>, timeoutMs = 15_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('companion', () => {
  let tmp: string;
  let wowFile: string;
  let companionDir: string;
  let api: FakeApi;
  let lines: string[];
  const running: Companion[] = [];

  const config = (): CompanionConfig => ({
    apiUrl: api.url,
    apiKey: 'patt_test_key',
    savedVariablesFile: wowFile,
    companionDir,
    logLevel: 'debug',
    uploadTimeoutMs: 5_000,
    retry: { minDelayMs: 50, maxDelayMs: 400 },
    watch: { settleMs: 250, rescanMs: 60_000 },
  });
  const start = async (overrides: Partial<CompanionConfig> = {}) => {
    const c = await startCompanion({ ...config(), ...overrides }, {
      console: { log: (l) => lines.push(l), error: (l) => lines.push(l) },
    });
    running.push(c);
    return c;
  };
  const line = (what: RegExp, from = 0) =>
    waitFor(`a console line ${what}`, () => lines.slice(from).find((l) => what.test(l)));
  const countLines = (what: RegExp) => lines.filter((l) => what.test(l)).length;
  /** Writes the file as one replacement and waits until the companion has queued it. */
  const exportInGame = async (bytes: Buffer) => {
    const queuedBefore = countLines(/^New export: /);
    fs.writeFileSync(wowFile, bytes);
    await waitFor('the export to be queued', () => countLines(/^New export: /) > queuedBefore);
  };
  const queueFiles = () => fs.readdirSync(path.join(companionDir, 'queue')).filter((f) => f.endsWith('.lua')).sort();

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-companion-'));
    const savedVariables = path.join(tmp, 'World of Warcraft', '_retail_', 'WTF', 'Account', 'NAME', 'SavedVariables');
    fs.mkdirSync(savedVariables, { recursive: true });
    wowFile = path.join(savedVariables, 'PATTSync.lua');
    companionDir = path.join(tmp, 'companion');
    api = new FakeApi();
    await api.up();
    lines = [];
  });

  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop();
    await api.down();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('uploads a new export once, with the key, its content hash and the bytes as the game wrote them', async () => {
    const companion = await start();
    await line(/^Watching .*PATTSync\.lua \(not there yet: in the game, type \/pattsync, then \/reload\)$/);
    const a = exportAt(1764000100);
    fs.writeFileSync(wowFile, a);

    await line(/^New export: 2 characters \(exported (\d{4}-\d\d-\d\d )?\d\d:\d\d by Trogmoon-Senjin\) — queued$/);
    await line(/^Uploaded 2 characters \(upload #1\)$/);
    await within('idle', companion.idle());
    expect(api.received).toHaveLength(1);
    const [req] = api.received;
    expect(req!.url).toBe('/api/guild-sync/addon-upload');
    expect(req!.body.equals(a)).toBe(true);
    expect(req!.headers).toMatchObject({
      authorization: 'Bearer patt_test_key',
      'content-type': 'application/octet-stream',
      'x-content-sha256': sha(a),
    });
    expect(queueFiles()).toEqual([]);
    expect(companion.stats()).toMatchObject({ queued: 0, uploader: { state: 'idle', uploaded: 1 } });

    // The log file is JSON lines, without the key.
    const log = fs.readFileSync(path.join(companionDir, 'companion.log'), 'utf8');
    const entries = log.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(entries.map((e) => e.msg)).toEqual(expect.arrayContaining(['Queued an export', 'Upload done; removed from the queue']));
    expect(log).not.toContain('patt_test_key');
  });

  it("the game's write pattern (old file to .bak, delete, new file in pieces) gives one upload of the final file", async () => {
    const a = exportAt(1764000100);
    fs.writeFileSync(wowFile, a);
    const companion = await start();
    await line(/^Uploaded 2 characters \(upload #1\)$/);

    const b = exportAt(1764000200);
    fs.copyFileSync(wowFile, `${wowFile}.bak`);
    fs.unlinkSync(wowFile);
    const handle = fs.openSync(wowFile, 'w');
    const piece = Math.ceil(b.length / 5);
    for (let at = 0; at < b.length; at += piece) {
      fs.writeSync(handle, b.subarray(at, at + piece));
      // Gaps well below the settle time: the file is still being written.
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    fs.closeSync(handle);
    await line(/^Uploaded 2 characters \(upload #2\)$/);

    // A later export as a marker: uploads are in order, so anything left from the write above would come before it.
    fs.writeFileSync(wowFile, exportAt(1764000300));
    await line(/^Uploaded 2 characters \(upload #3\)$/);
    await within('idle', companion.idle());
    expect(api.received.map((r) => sha(r.body))).toEqual([sha(a), sha(b), sha(exportAt(1764000300))]);
    expect(lines.filter((l) => /Rejected/.test(l))).toEqual([]);
  });

  it('keeps exports while the API is down, checks its health every few seconds, and delivers every one once, in order, as soon as it returns', async () => {
    await api.down();
    // A back-off of a minute or more: only the health checks can bring the queue out within the test.
    const companion = await start({ retry: { minDelayMs: 60_000, maxDelayMs: 120_000 }, probe: { minDelayMs: 20, maxDelayMs: 60 } });
    const exports = [exportAt(1764000100), exportAt(1764000200), exportAt(1764000300)];
    await exportInGame(exports[0]!);
    await line(/^API unreachable \(.*ECONNREFUSED.*; health: .*ECONNREFUSED.*\) — 1 export queued; checking every 20 ms–60 ms and uploading as soon as it answers$/);
    await exportInGame(exports[1]!);
    await exportInGame(exports[2]!);
    expect(lines).toContainEqual(expect.stringMatching(/— queued \(3 waiting\)$/));
    expect(queueFiles()).toHaveLength(3);
    // Checked again and again while down, never waiting out the back-off.
    await waitFor('a few health checks', () => companion.stats().uploader.probes >= 4);
    expect(companion.stats().uploader.state).toBe('probing');

    await api.up();
    await within('the queue to drain', companion.idle(), 10_000);
    // The first request the API sees is a health check, then the exports in order, each once.
    expect(api.log[0]).toBe('health');
    expect(api.log.filter((l) => l !== 'health')).toEqual(exports.map(sha));
    expect(api.accepted.map(sha)).toEqual(exports.map(sha));
    expect(await line(/^API reachable again \(after \d+ checks?\) — uploading$/)).toBeTruthy();
    expect(companion.stats().uploader).toMatchObject({ state: 'idle', uploaded: 3, rejected: 0 });
    expect(queueFiles()).toEqual([]);
  });

  it('while the API answers but its database or Temporal is down, checks its health without re-sending, then drains', async () => {
    api.mode = { status: 503, body: { error: { code: 'TEMPORAL_UNAVAILABLE', message: 'The Temporal server did not answer', requestId: 'r' } } };
    api.health = 503;
    const companion = await start({ retry: { minDelayMs: 60_000, maxDelayMs: 120_000 }, probe: { minDelayMs: 20, maxDelayMs: 40 } });
    const a = exportAt(1764000100);
    await exportInGame(a);
    await line(/^API unreachable \(HTTP 503 TEMPORAL_UNAVAILABLE: .*; health: HTTP 503: its temporal is down\) — 1 export queued; checking every/);
    await waitFor('several health checks', () => api.probes >= 5);
    // Not hammered: one upload, then only health checks.
    expect(api.received).toHaveLength(1);

    api.mode = 'ok';
    api.health = 'ok';
    await within('the queue to drain', companion.idle(), 10_000);
    expect(api.log.slice(-2)).toEqual(['health', sha(a)]);
    expect(api.accepted.map(sha)).toEqual([sha(a)]);
  });

  it('retries a 5xx with back-off and keeps the order', async () => {
    api.script = [{ status: 503 }, { status: 500 }];
    const companion = await start();
    const a = exportAt(1764000100);
    const b = exportAt(1764000200);
    await exportInGame(a);
    await exportInGame(b);
    await within('the queue to drain', companion.idle());
    // The 503 had the health checked first: it answered, so this is a failure while up (back-off).
    expect(lines).toContainEqual(expect.stringMatching(/^API error \(HTTP 503 TEST: answered 503\) — \d exports? queued, retrying in [\d.]+ m?s$/));
    expect(api.log.filter((l) => l === 'health')).toHaveLength(1);
    expect(api.received.map((r) => sha(r.body))).toEqual([sha(a), sha(a), sha(a), sha(b)]);
    expect(api.accepted.map(sha)).toEqual([sha(a), sha(b)]);
  });

  it('a restart keeps the queue and uploads it', async () => {
    await api.down();
    const first = await start();
    const exports = [exportAt(1764000100), exportAt(1764000200)];
    await exportInGame(exports[0]!);
    await exportInGame(exports[1]!);
    await first.stop();
    await line(/^Stopped; 2 exports stay queued for next time$/);
    expect(queueFiles()).toHaveLength(2);
    expect(fs.readdirSync(path.join(companionDir, 'queue')).filter((f) => f.endsWith('.json'))).toHaveLength(2);

    await api.up();
    const from = lines.length;
    const second = await start();
    await line(/^Queue: 2 exports waiting from last time$/, from);
    await within('the queue to drain', second.idle());
    // The file still holds the second export: recognised as queued, not queued again.
    await line(/^Same export as before \(exported .* by Trogmoon-Senjin, already (queued|uploaded as #2)\) — nothing new to send$/, from);
    expect(api.received.map((r) => sha(r.body))).toEqual(exports.map(sha));
  });

  it('does not upload the same export twice: not the same bytes, not the same export rewritten in another key order', async () => {
    const a = exportAt(1764000100);
    fs.writeFileSync(wowFile, a);
    const companion = await start();
    await line(/^Uploaded 2 characters \(upload #1\)$/);

    // /reload rewrites the file; the game may order a table's keys differently.
    const reordered = Buffer.from(
      a.toString('utf8').replace('\t["schemaVersion"] = 1,\n\t["lastExportAt"] = 1764000000,\n', '\t["lastExportAt"] = 1764000000,\n\t["schemaVersion"] = 1,\n'),
    );
    expect(reordered.equals(a)).toBe(false);
    fs.writeFileSync(wowFile, reordered);
    await line(/^Same export as before \(exported .* by Trogmoon-Senjin, already uploaded as #1\) — nothing new to send$/);

    // A restart with the same file: recognised from uploaded.json.
    await companion.stop();
    const from = lines.length;
    const again = await start();
    await within('the start-up check', again.check());
    await line(/already uploaded as #1\) — nothing new to send$/, from);

    fs.writeFileSync(wowFile, exportAt(1764000200));
    await line(/^Uploaded 2 characters \(upload #2\)$/);
    expect(api.received.map((r) => sha(r.body))).toEqual([sha(a), sha(exportAt(1764000200))]);
  });

  it.each([
    ['a truncated file', () => Buffer.from(FIXTURE.slice(0, 700)), /^Rejected PATTSync\.lua: Not a readable SavedVariables file: .* at line \d+, column \d+ .* — not queued$/],
    ['a \\0 in a note', () => Buffer.from(FIXTURE.replace('"Discord: Trog"', '"Discord:\\0 Trog"')), /^Rejected PATTSync\.lua: Refused a string holding the control character U\+0000 .* at line 31, column 23: .* — not queued$/],
    ['a __proto__ global', () => Buffer.from(`__proto__ = ${FIXTURE.replace('PATTSyncDB = {', '{ PATTSyncDB = {').replace(/\}\nPATTSyncCharDB/, '}}\nPATTSyncCharDB')}`), /^Rejected PATTSync\.lua: Refused the global "__proto__" at line 1, column 1: .* — not queued$/],
    ['a function call', () => Buffer.from('PATTSyncDB = { x = os.execute("rm -rf /") }\n'), /^Rejected PATTSync\.lua: .*Refused function call at line 1, column 20.* — not queued$/],
    ['code instead of data', () => Buffer.from('os.execute("touch /tmp/pwned")\n'), /^Rejected PATTSync\.lua: .*Refused a function call.* — not queued$/],
    ['a wrong shape', () => Buffer.from(FIXTURE.replace('"Player-76-09C2CB5D"', '"not-a-guid"')), /^Rejected PATTSync\.lua: The export does not have the expected shape at PATTSyncDB\.lastExport\.members\[1\]\.guid: .* — not queued$/],
    ['no export yet', () => Buffer.from('PATTSyncDB = nil\n'), /^Rejected PATTSync\.lua: The file has no PATTSyncDB: type \/pattsync in the game, then \/reload.* — not queued$/],
    ['a 50 MB file', () => Buffer.concat([Buffer.from('PATTSyncDB = {\n'), Buffer.alloc(50 * 1024 * 1024, 32), Buffer.from('}\n')]), /^Rejected PATTSync\.lua: The file is 50\.0 MB; at most 20 MB is accepted.* — not queued$/],
  ])('rejects %s locally with a clear line, and never queues or uploads it', async (_what, make, message) => {
    const companion = await start();
    await line(/^Watching /);
    fs.writeFileSync(wowFile, make());
    await line(message);
    expect(queueFiles()).toEqual([]);

    // A good export afterwards goes through: the bad one never reached the queue before it.
    const good = exportAt(1764000100);
    fs.writeFileSync(wowFile, good);
    await line(/^Uploaded 2 characters \(upload #1\)$/);
    await within('idle', companion.idle());
    expect(api.received.map((r) => sha(r.body))).toEqual([sha(good)]);
    expect(fs.readdirSync(path.join(companionDir, 'rejected'))).toEqual([]);
    expect(countLines(/^Rejected/)).toBe(1);
  });

  it('moves an export the API refuses (400) to rejected/ with the reason, says loudly it was not delivered, and goes on with the next', async () => {
    api.script = [
      {
        status: 400,
        body: { error: { code: 'ADDON_EXPORT_WRONG_REALM', message: 'The export is from the realm "Sargeras" (line 10, column 16), but …', details: { line: 10, column: 16 }, requestId: 'req-1' } },
      },
    ];
    const companion = await start();
    const a = exportAt(1764000100);
    const b = exportAt(1764000200);
    await exportInGame(a);
    await line(
      /^NOT DELIVERED — refused by the API: The export is from the realm "Sargeras" .* \(ADDON_EXPORT_WRONG_REALM, HTTP 400; line 10, column 16 of the file\)\. The export \(exported .* by Trogmoon-Senjin\) is kept in .*rejected.*\.lua and will not be retried: fix the cause in the game, then \/pattsync and \/reload\.$/,
    );
    expect(companion.stats().uploader).toMatchObject({ uploaded: 0, duplicates: 0, rejected: 1 });
    await exportInGame(b);
    await within('idle', companion.idle());
    expect(api.received.map((r) => sha(r.body))).toEqual([sha(a), sha(b)]);
    expect(companion.stats().uploader).toMatchObject({ uploaded: 1, rejected: 1, failedAttempts: 0 });

    const rejected = fs.readdirSync(path.join(companionDir, 'rejected')).sort();
    expect(rejected).toEqual([`00000001-${sha(a)}.json`, `00000001-${sha(a)}.lua`]);
    expect(fs.readFileSync(path.join(companionDir, 'rejected', rejected[1]!)).equals(a)).toBe(true);
    const meta = JSON.parse(fs.readFileSync(path.join(companionDir, 'rejected', rejected[0]!), 'utf8')) as { reason: unknown };
    expect(meta.reason).toEqual({ status: 400, code: 'ADDON_EXPORT_WRONG_REALM', message: 'The export is from the realm "Sargeras" (line 10, column 16), but …' });
    // The same export again is known as refused: not queued, not sent.
    fs.writeFileSync(wowFile, a);
    await line(/^Same export as before \(exported .* by Trogmoon-Senjin, rejected by the API before, see .*\) — nothing new to send$/);
    expect(api.received).toHaveLength(2);
  });

  it.each([
    ['a 422 (this file was uploaded before and its import failed)', { status: 422, body: { error: { code: 'ADDON_IMPORT_FAILED', message: 'This exact file was uploaded before as #7, and its import failed: …', requestId: 'r' } } }, /ADDON_IMPORT_FAILED, HTTP 422/],
    ['a 202 whose receipt says the upload failed', { status: 202, body: { uploadId: 7, status: 'failed', duplicate: true, members: 2 } }, /the API answered HTTP 202 but says this upload failed to import \(upload #7\) \(UPLOAD_FAILED, HTTP 202\)/],
  ])('does not count %s as delivered', async (_what, answer, message) => {
    api.script = [answer];
    const companion = await start();
    await exportInGame(exportAt(1764000100));
    await line(new RegExp(`^NOT DELIVERED — refused by the API: .*${message.source}`));
    await within('idle', companion.idle());
    expect(companion.stats().uploader).toMatchObject({ uploaded: 0, duplicates: 0, rejected: 1 });
    expect(queueFiles()).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(companionDir, 'uploaded.json'), 'utf8')).recent).toEqual([expect.objectContaining({ outcome: 'rejected' })]);
  });

  it('stops retrying on 401, says to fix PATT_API_KEY, and keeps the queue', async () => {
    api.mode = { status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'unknown API key', requestId: 'r' } } };
    const companion = await start();
    await exportInGame(exportAt(1764000100));
    await line(/^Uploads stopped: the API refused the key \(HTTP 401: unknown API key\)\. Fix PATT_API_KEY \(a key with the addon:upload scope\), then restart the companion; 1 export stays queued\.$/);
    await exportInGame(exportAt(1764000200));
    expect(companion.stats().uploader).toMatchObject({ state: 'blocked', blockedBy: expect.stringMatching(/^PATT_API_KEY/) });
    expect(api.received).toHaveLength(1);
    expect(queueFiles()).toHaveLength(2);

    // With a good key (here: the API accepting again) a restart sends both.
    await companion.stop();
    api.mode = 'ok';
    const again = await start();
    await within('the queue to drain', again.idle());
    expect(api.accepted).toHaveLength(2);
  });

  it('refuses a second companion on the same folder', async () => {
    await start();
    await expect(startCompanion(config(), { console: { log: () => undefined }, logger: pino({ level: 'silent' }) })).rejects.toThrow(
      /Another PATT Companion \(process \d+\) is already using .*: stop it first, or set PATT_COMPANION_DIR/,
    );
  });

  it('waits for a SavedVariables folder that does not exist yet', async () => {
    fs.rmSync(path.dirname(wowFile), { recursive: true });
    const c = await startCompanion({ ...config(), watch: { settleMs: 100, rescanMs: 200 } }, {
      console: { log: (l) => lines.push(l), error: (l) => lines.push(l) },
    });
    running.push(c);
    await line(/^Waiting for .*SavedVariables to appear/);
    fs.mkdirSync(path.dirname(wowFile), { recursive: true });
    await line(/^Watching /);
    fs.writeFileSync(wowFile, exportAt(1764000100));
    await line(/^Uploaded 2 characters \(upload #1\)$/);
  });
});

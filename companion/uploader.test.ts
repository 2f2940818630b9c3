import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportedBy, formatDelay } from './companion';
import { UploadQueue } from './queue';
import { networkProblem, Uploader } from './uploader';

describe('uploader back-off and wording', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-uploader-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('doubles from 1 s to a 5 min ceiling, with jitter between half and all of it', async () => {
    const queue = await UploadQueue.open(dir);
    const opts = { apiUrl: 'http://127.0.0.1:1', apiKey: 'k', timeoutMs: 1000, retry: { minDelayMs: 1_000, maxDelayMs: 300_000 } };
    const low = new Uploader(queue, { ...opts, random: () => 0 });
    const high = new Uploader(queue, { ...opts, random: () => 1 });
    expect([1, 2, 3, 4, 9, 10, 50].map((n) => high.backoff(n))).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000]);
    expect([1, 2, 10].map((n) => low.backoff(n))).toEqual([500, 1_000, 150_000]);
  });

  it('checks the health of an API that is down every 2–5 s by default, at a random moment in that window', async () => {
    const queue = await UploadQueue.open(dir);
    const opts = { apiUrl: 'http://127.0.0.1:1', apiKey: 'k', timeoutMs: 1000, retry: { minDelayMs: 1_000, maxDelayMs: 300_000 } };
    expect([0, 0.5, 1].map((r) => new Uploader(queue, { ...opts, random: () => r }).probeDelay())).toEqual([2_000, 3_500, 5_000]);
    expect(new Uploader(queue, { ...opts, probe: { minDelayMs: 20, maxDelayMs: 60 }, random: () => 0.5 }).probeDelay()).toBe(40);
  });

  it('says what went wrong in a few words', () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' }) });
    expect(networkProblem(refused, 60_000)).toBe('connect ECONNREFUSED 127.0.0.1:3000');
    expect(networkProblem(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 60_000)).toBe('no answer within 60 s');
    expect(networkProblem(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), 1000)).toBe('ENOTFOUND');
    expect([300, 1_500, 8_000, 45_000, 150_000, 300_000].map(formatDelay)).toEqual(['300 ms', '1.5 s', '8 s', '45 s', '2 min 30 s', '5 min']);
    const now = new Date(2025, 10, 24, 20, 0);
    expect(exportedBy({ exportedAt: new Date(2025, 10, 24, 17, 2).getTime() / 1000, exporter: 'Trogmoon-Senjin' }, now)).toBe('exported 17:02 by Trogmoon-Senjin');
    expect(exportedBy({ exportedAt: new Date(2025, 10, 20, 9, 5).getTime() / 1000, exporter: 'Trogmoon-Senjin' }, now)).toBe('exported 2025-11-20 09:05 by Trogmoon-Senjin');
  });
});

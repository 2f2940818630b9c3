import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalJson, describeExport, UploadQueue } from './queue';

const FIXTURE = fs.readFileSync(path.join(__dirname, '..', 'core', 'addon', 'fixtures', 'PATTSync.lua'), 'utf8');
const exportAt = (t: number) => Buffer.from(FIXTURE.replace('["exportedAt"] = 1764000000', `["exportedAt"] = ${t}`));

describe('upload queue on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-queue-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const add = async (q: UploadQueue, bytes: Buffer) => q.add(bytes, describeExport(bytes));
  const files = (sub: string) => fs.readdirSync(path.join(dir, sub)).sort();

  it('keeps one .lua (the bytes as written) and one .json per export, and reloads them in order', async () => {
    const q = await UploadQueue.open(dir);
    const a = exportAt(1764000100);
    const b = exportAt(1764000200);
    const itemA = await add(q, a);
    const itemB = await add(q, b);
    expect([itemA?.seq, itemB?.seq]).toEqual([1, 2]);
    expect(files('queue')).toEqual([`${itemA!.name}.json`, `${itemA!.name}.lua`, `${itemB!.name}.json`, `${itemB!.name}.lua`]);
    expect(itemA!.name).toBe(`00000001-${describeExport(a).contentHash}`);
    expect(fs.readFileSync(path.join(dir, 'queue', `${itemA!.name}.lua`)).equals(a)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'queue', `${itemA!.name}.json`), 'utf8'))).toMatchObject({
      seq: 1,
      members: 2,
      exporter: 'Trogmoon-Senjin',
      exportedAt: 1764000100,
      attempts: 0,
      enqueuedAt: expect.any(String),
      size: a.length,
    });

    await q.noteAttempt(itemA!, 'connect ECONNREFUSED');
    const again = await UploadQueue.open(dir);
    expect(again.list().map((i) => [i.seq, i.attempts, i.lastError])).toEqual([
      [1, 1, 'connect ECONNREFUSED'],
      [2, 0, undefined],
    ]);
    expect((await again.read(again.peek()!)).equals(a)).toBe(true);
  });

  it('does not queue an export twice: same bytes, or the same export with its keys in another order', async () => {
    const q = await UploadQueue.open(dir);
    const a = exportAt(1764000100);
    expect(await add(q, a)).toBeDefined();
    expect(await add(q, a)).toBeUndefined();
    const reordered = Buffer.from(a.toString('utf8').replace('\t["schemaVersion"] = 1,\n\t["lastExportAt"] = 1764000000,\n', '\t["lastExportAt"] = 1764000000,\n\t["schemaVersion"] = 1,\n'));
    expect(describeExport(reordered).contentHash).not.toBe(describeExport(a).contentHash);
    expect(describeExport(reordered).exportKey).toBe(describeExport(a).exportKey);
    expect(await add(q, reordered)).toBeUndefined();
    expect(q.size()).toBe(1);

    // Once uploaded it is remembered in uploaded.json, across a restart, and numbering goes on.
    await q.complete(q.peek()!, { uploadId: '12' });
    expect(files('queue')).toEqual([]);
    const again = await UploadQueue.open(dir);
    expect(again.knows(describeExport(a))).toEqual({ where: 'uploaded', seq: 1, uploadId: '12' });
    expect(await add(again, a)).toBeUndefined();
    expect((await add(again, exportAt(1764000200)))?.seq).toBe(2);
  });

  it('moves a rejected export to rejected/ with the reason, and never queues it again', async () => {
    const q = await UploadQueue.open(dir);
    const a = exportAt(1764000100);
    const item = (await add(q, a))!;
    const where = await q.reject(item, { status: 400, code: 'ADDON_EXPORT_INVALID', message: 'bad' });
    expect(where).toBe(path.join(dir, 'rejected', `${item.name}.lua`));
    expect(files('queue')).toEqual([]);
    expect(files('rejected')).toEqual([`${item.name}.json`, `${item.name}.lua`]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'rejected', `${item.name}.json`), 'utf8'))).toMatchObject({
      reason: { status: 400, code: 'ADDON_EXPORT_INVALID', message: 'bad' },
      rejectedAt: expect.any(String),
    });
    const again = await UploadQueue.open(dir);
    expect(await add(again, a)).toBeUndefined();
    expect((await add(again, exportAt(1764000200)))?.seq).toBe(2);
  });

  it('recovers from a crash: temporary files dropped, a missing .json rebuilt, a damaged file set aside, an uploaded one removed', async () => {
    const q = await UploadQueue.open(dir);
    const items = [];
    for (const t of [1764000100, 1764000200, 1764000300, 1764000400]) items.push((await add(q, exportAt(t)))!);
    const qd = path.join(dir, 'queue');
    // Killed in the middle of a write.
    fs.writeFileSync(path.join(qd, '.tmp-1234-abcdef'), 'half');
    // Killed between the .lua and its .json.
    fs.rmSync(path.join(qd, `${items[0]!.name}.json`));
    // A disk that lost bytes.
    fs.appendFileSync(path.join(qd, `${items[1]!.name}.lua`), '-- changed');
    // Uploaded, recorded, then killed before the files were removed.
    await q.complete(items[2]!, { uploadId: '7' });
    fs.writeFileSync(path.join(qd, `${items[2]!.name}.lua`), exportAt(1764000300));

    const again = await UploadQueue.open(dir);
    expect(again.list().map((i) => [i.seq, i.members, i.exporter])).toEqual([
      [1, 2, 'Trogmoon-Senjin'],
      [4, 2, 'Trogmoon-Senjin'],
    ]);
    expect(files('queue')).toEqual([`${items[0]!.name}.json`, `${items[0]!.name}.lua`, `${items[3]!.name}.json`, `${items[3]!.name}.lua`]);
    expect(files('rejected')).toEqual([`${items[1]!.name}.json`, `${items[1]!.name}.lua`]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'rejected', `${items[1]!.name}.json`), 'utf8')).reason.message).toMatch(/no longer matches its hash/);
    expect((await add(again, exportAt(1764000500)))?.seq).toBe(5);
  });

  it('canonical JSON sorts keys at every level and keeps list order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });
});

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../config/logger';
import { readAddonExport } from '../core/addon/readAddonExport';

/**
 * The exports waiting for the API, on disk, in the order the game wrote them: nothing is lost while
 * the API is down, the PC sleeps, or the companion itself is restarted or killed.
 *
 *   <dir>/queue/00000012-<sha256>.lua    the file exactly as the game wrote it (what gets uploaded)
 *   <dir>/queue/00000012-<sha256>.json   what we know about it: when queued, members, attempts, last error
 *   <dir>/rejected/…                     exports the API refused (never retried), with the reason
 *   <dir>/uploaded.json                  recent uploads, so the same export is never queued twice
 *
 * Every file is written atomically (temporary file, fsync, rename), so a crash leaves either the old
 * state or the new one. The .lua file is the item; its .json can always be rebuilt from it.
 */

export interface ExportFacts {
  /** sha256 of the file's bytes: the upload's identity (X-Content-SHA256), so a repeat is harmless. */
  contentHash: string;
  /**
   * sha256 of the export inside, keys sorted: the game rewrites the file on every /reload and may
   * write the same export with its keys in another order, which is not a new export.
   */
  exportKey: string;
  members: number;
  /** Epoch seconds, as the addon wrote it. */
  exportedAt: number;
  /** The character who exported (Name-Realm). */
  exporter: string;
}

export interface QueuedExport extends ExportFacts {
  seq: number;
  /** `00000012-<sha256>`: the item's file name without extension. */
  name: string;
  size: number;
  enqueuedAt: string;
  attempts: number;
  lastAttemptAt?: string;
  lastError?: string;
}

export interface HistoryEntry {
  seq: number;
  contentHash: string;
  exportKey: string;
  members: number;
  exportedAt: number;
  outcome: 'uploaded' | 'rejected';
  uploadId?: string;
  at: string;
}

export interface RejectionReason {
  /** HTTP status, or undefined when refused before upload (e.g. damaged on disk). */
  status?: number;
  code?: string;
  message: string;
}

export type Known = { where: 'queued' | 'uploaded' | 'rejected'; seq: number; uploadId?: string };

/** Enough to recognise the exports of the last weeks; the API dedupes by hash anyway. */
const HISTORY_LIMIT = 200;
const ITEM_NAME = /^(\d{8,})-([0-9a-f]{64})$/;
const TEMP_PREFIX = '.tmp-';

export class UploadQueue {
  private readonly queueDir: string;
  readonly rejectedDir: string;
  private readonly historyFile: string;
  private items: QueuedExport[] = [];
  private history: HistoryEntry[] = [];
  private lastSeq = 0;
  /** Every change to the folder goes through here, one at a time. */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly log?: Logger,
  ) {
    this.queueDir = path.join(dir, 'queue');
    this.rejectedDir = path.join(dir, 'rejected');
    this.historyFile = path.join(dir, 'uploaded.json');
  }

  /**
   * Opens (or creates) the queue in `dir` and reloads what an earlier run left, in order. Anything
   * that cannot be trusted any more (a file whose bytes no longer match its hash) is moved to
   * rejected/ with the reason, never uploaded.
   */
  static async open(dir: string, opts: { logger?: Logger } = {}): Promise<UploadQueue> {
    const q = new UploadQueue(dir, opts.logger?.child({ component: 'companion-queue' }));
    await q.load();
    return q;
  }

  size(): number {
    return this.items.length;
  }

  /** The oldest waiting export: the only one the uploader may send. */
  peek(): QueuedExport | undefined {
    return this.items[0];
  }

  list(): readonly QueuedExport[] {
    return this.items.map((i) => ({ ...i }));
  }

  recent(): readonly HistoryEntry[] {
    return [...this.history];
  }

  /** Whether this file, or the same export in another byte order, is already queued or was sent. */
  knows(facts: Pick<ExportFacts, 'contentHash' | 'exportKey'>): Known | undefined {
    const same = (e: { contentHash: string; exportKey: string }) =>
      e.contentHash === facts.contentHash || e.exportKey === facts.exportKey;
    const queued = this.items.find(same);
    if (queued) return { where: 'queued', seq: queued.seq };
    // The newest first: an export rejected once and then uploaded counts as uploaded.
    for (let i = this.history.length - 1; i >= 0; i -= 1) {
      const h = this.history[i]!;
      if (same(h)) return { where: h.outcome, seq: h.seq, uploadId: h.uploadId };
    }
    return undefined;
  }

  /** Queues the file (already read and validated); undefined when it is already known. */
  add(bytes: Buffer, facts: ExportFacts): Promise<QueuedExport | undefined> {
    return this.exclusive(async () => {
      if (this.knows(facts)) return undefined;
      const seq = this.lastSeq + 1;
      const item: QueuedExport = {
        ...facts,
        seq,
        name: itemName(seq, facts.contentHash),
        size: bytes.length,
        enqueuedAt: new Date().toISOString(),
        attempts: 0,
      };
      await writeFileAtomic(path.join(this.queueDir, `${item.name}.lua`), bytes);
      await writeFileAtomic(path.join(this.queueDir, `${item.name}.json`), metaJson(item));
      await syncDir(this.queueDir);
      this.lastSeq = seq;
      this.items.push(item);
      this.log?.info({ seq, contentHash: item.contentHash, members: item.members, size: item.size }, 'Queued an export');
      return { ...item };
    });
  }

  /** The bytes to upload, exactly as queued. */
  read(item: QueuedExport): Promise<Buffer> {
    return fs.readFile(path.join(this.queueDir, `${item.name}.lua`));
  }

  /** Counts a failed attempt, kept across restarts so a person can see how long an item has waited. */
  noteAttempt(item: QueuedExport, error: string): Promise<void> {
    return this.exclusive(async () => {
      const current = this.items.find((i) => i.seq === item.seq);
      if (!current) return;
      current.attempts += 1;
      current.lastAttemptAt = new Date().toISOString();
      current.lastError = error;
      await writeFileAtomic(path.join(this.queueDir, `${current.name}.json`), metaJson(current));
    });
  }

  /** The API has it: remembered in uploaded.json first, then removed, so a crash between the two only repeats an upload the API recognises. */
  complete(item: QueuedExport, receipt: { uploadId?: string }): Promise<void> {
    return this.exclusive(async () => {
      this.remember(item, 'uploaded', receipt.uploadId);
      await this.saveHistory();
      this.items = this.items.filter((i) => i.seq !== item.seq);
      await removeQuietly(path.join(this.queueDir, `${item.name}.lua`));
      await removeQuietly(path.join(this.queueDir, `${item.name}.json`));
      this.log?.info({ seq: item.seq, contentHash: item.contentHash, uploadId: receipt.uploadId }, 'Upload done; removed from the queue');
    });
  }

  /** Moves the item to rejected/ with the reason; it is never retried. Returns where it now is. */
  reject(item: QueuedExport, reason: RejectionReason): Promise<string> {
    return this.exclusive(async () => {
      const target = await this.moveToRejected(item.name, { ...item, rejectedAt: new Date().toISOString(), reason });
      this.remember(item, 'rejected');
      await this.saveHistory();
      this.items = this.items.filter((i) => i.seq !== item.seq);
      this.log?.warn({ seq: item.seq, contentHash: item.contentHash, reason }, 'Export rejected; moved to rejected/');
      return target;
    });
  }

  /** Waits for every change started so far to be on disk. */
  async settled(): Promise<void> {
    await this.exclusive(async () => undefined);
  }

  private async load(): Promise<void> {
    await fs.mkdir(this.queueDir, { recursive: true });
    await fs.mkdir(this.rejectedDir, { recursive: true });
    await this.loadHistory();

    const names = await fs.readdir(this.queueDir);
    for (const n of names) {
      // Left by a crash in the middle of a write: the rename never happened, so nothing refers to it.
      if (n.startsWith(TEMP_PREFIX)) await removeQuietly(path.join(this.queueDir, n));
    }
    const found: QueuedExport[] = [];
    for (const file of names.filter((n) => n.endsWith('.lua')).sort()) {
      const name = file.slice(0, -'.lua'.length);
      const m = ITEM_NAME.exec(name);
      if (!m) continue;
      const seq = Number(m[1]);
      const contentHash = m[2]!;
      this.lastSeq = Math.max(this.lastSeq, seq);
      const bytes = await fs.readFile(path.join(this.queueDir, file));
      if (sha256(bytes) !== contentHash) {
        await this.moveToRejected(name, {
          seq,
          contentHash,
          rejectedAt: new Date().toISOString(),
          reason: { message: 'The queued file no longer matches its hash (damaged on disk); not uploaded.' },
        });
        continue;
      }
      if (this.history.some((h) => h.contentHash === contentHash && h.outcome === 'uploaded')) {
        // Uploaded just before a crash or kill, which left the file behind.
        await removeQuietly(path.join(this.queueDir, file));
        await removeQuietly(path.join(this.queueDir, `${name}.json`));
        continue;
      }
      const meta = await readMeta(path.join(this.queueDir, `${name}.json`));
      let item: QueuedExport;
      if (meta && meta.contentHash === contentHash) {
        item = { ...meta, seq, name, contentHash, size: bytes.length };
      } else {
        // The .json is missing (killed between the two writes) or unreadable: rebuild it from the file.
        try {
          item = { ...describeExport(bytes), seq, name, size: bytes.length, enqueuedAt: new Date().toISOString(), attempts: 0 };
        } catch (err) {
          await this.moveToRejected(name, {
            seq,
            contentHash,
            rejectedAt: new Date().toISOString(),
            reason: { message: `The queued file is no longer a valid export: ${(err as Error).message}` },
          });
          continue;
        }
        await writeFileAtomic(path.join(this.queueDir, `${name}.json`), metaJson(item));
      }
      found.push(item);
    }
    for (const n of names.filter((n) => n.endsWith('.json'))) {
      if (!names.includes(`${n.slice(0, -'.json'.length)}.lua`)) await removeQuietly(path.join(this.queueDir, n));
    }
    for (const n of await fs.readdir(this.rejectedDir)) {
      const m = ITEM_NAME.exec(n.replace(/\.(lua|json)$/, ''));
      if (m) this.lastSeq = Math.max(this.lastSeq, Number(m[1]));
    }
    this.items = found.sort((a, b) => a.seq - b.seq);
    if (this.items.length > 0) {
      this.log?.info({ waiting: this.items.length, seqs: this.items.map((i) => i.seq) }, 'Reloaded the queue');
    }
  }

  private async loadHistory(): Promise<void> {
    let raw: string;
    try {
      raw = await fs.readFile(this.historyFile, 'utf8');
    } catch {
      return;
    }
    try {
      const data = JSON.parse(raw) as { lastSeq?: unknown; recent?: unknown };
      if (typeof data.lastSeq === 'number') this.lastSeq = data.lastSeq;
      if (Array.isArray(data.recent)) this.history = data.recent.filter(isHistoryEntry);
    } catch (err) {
      // Only a convenience (the API dedupes by hash too): start afresh rather than refuse to run.
      this.log?.warn({ err, file: this.historyFile }, 'uploaded.json is unreadable; starting a new one');
    }
  }

  private remember(item: QueuedExport, outcome: HistoryEntry['outcome'], uploadId?: string): void {
    this.history.push({
      seq: item.seq,
      contentHash: item.contentHash,
      exportKey: item.exportKey,
      members: item.members,
      exportedAt: item.exportedAt,
      outcome,
      ...(uploadId !== undefined ? { uploadId } : {}),
      at: new Date().toISOString(),
    });
    if (this.history.length > HISTORY_LIMIT) this.history = this.history.slice(-HISTORY_LIMIT);
  }

  private saveHistory(): Promise<void> {
    return writeFileAtomic(this.historyFile, `${JSON.stringify({ lastSeq: this.lastSeq, recent: this.history }, null, 2)}\n`);
  }

  private async moveToRejected(name: string, meta: object): Promise<string> {
    const target = path.join(this.rejectedDir, `${name}.lua`);
    await renameWithRetry(path.join(this.queueDir, `${name}.lua`), target);
    await writeFileAtomic(path.join(this.rejectedDir, `${name}.json`), `${JSON.stringify(meta, null, 2)}\n`);
    await removeQuietly(path.join(this.queueDir, `${name}.json`));
    await syncDir(this.rejectedDir);
    return target;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** What the queue needs to know about a valid file; throws AddonExportError for an invalid one. */
export function describeExport(bytes: Buffer): ExportFacts {
  const e = readAddonExport(bytes);
  return {
    contentHash: sha256(bytes),
    exportKey: sha256(Buffer.from(canonicalJson(e))),
    members: e.members.length,
    exportedAt: e.exportedAt,
    exporter: e.exporter.name,
  };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** JSON with object keys sorted, so the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function itemName(seq: number, contentHash: string): string {
  return `${String(seq).padStart(8, '0')}-${contentHash}`;
}

function metaJson(item: QueuedExport): string {
  return `${JSON.stringify(item, null, 2)}\n`;
}

async function readMeta(file: string): Promise<QueuedExport | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<QueuedExport>;
    const ok =
      typeof m.contentHash === 'string' &&
      typeof m.exportKey === 'string' &&
      typeof m.members === 'number' &&
      typeof m.exportedAt === 'number' &&
      typeof m.exporter === 'string' &&
      typeof m.enqueuedAt === 'string' &&
      typeof m.attempts === 'number';
    return ok ? (m as QueuedExport) : undefined;
  } catch {
    return undefined;
  }
}

function isHistoryEntry(v: unknown): v is HistoryEntry {
  const h = v as Partial<HistoryEntry> | null;
  return (
    !!h &&
    typeof h.seq === 'number' &&
    typeof h.contentHash === 'string' &&
    typeof h.exportKey === 'string' &&
    (h.outcome === 'uploaded' || h.outcome === 'rejected')
  );
}

/** Temporary file in the same folder, fsync, rename over the target: never a half-written file. */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  const temp = path.join(path.dirname(file), `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await renameWithRetry(temp, file);
  } catch (err) {
    await removeQuietly(temp);
    throw err;
  }
}

/**
 * On Windows a virus scanner or the search indexer may hold a fresh file open for a moment, and the
 * rename fails with EPERM/EBUSY/EACCES: try again for a little while before giving up.
 */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await fs.rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 10 || !(code === 'EPERM' || code === 'EBUSY' || code === 'EACCES')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
}

/** Makes the renames themselves durable (POSIX); Windows cannot open a folder for this, and needs not. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: some file systems refuse fsync on a folder.
  }
}

async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

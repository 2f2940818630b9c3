import fs from 'node:fs/promises';
import type { Stats } from 'node:fs';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Logger } from '../config/logger';
import { MAX_SAVED_VARIABLES_BYTES } from '../core/addon/exportSchema';
import { AddonExportError } from '../core/addon/readAddonExport';
import { pathFor } from './config';
import { describeExport, sha256, type ExportFacts, type Known, type QueuedExport, type UploadQueue } from './queue';

/**
 * Watches the addon's SavedVariables file and queues each new export in it.
 *
 * The game rewrites the file whole on /reload and logout, and may first move the old one to
 * PATTSync.lua.bak: so the folder is watched (a watch on the file itself would die with the old
 * file), filtered to the one name, and a change counts only once the file has stopped growing.
 * A file written while the companion was off is picked up at start; a slow re-check behind the
 * watcher catches the changes a network drive or a sleeping PC never reported. Whatever the route,
 * an export is queued once: the queue recognises it by hash.
 */

export interface WatcherOptions {
  file: string;
  queue: UploadQueue;
  /** The file must keep its size this long before it is read. */
  settleMs: number;
  /** The slow re-check behind the watcher. */
  rescanMs: number;
  logger?: Logger;
  onEvent: (event: WatcherEvent) => void;
}

export type WatcherEvent =
  | { kind: 'watching'; file: string; exists: boolean }
  | { kind: 'waiting-for-folder'; dir: string }
  | { kind: 'queued'; item: QueuedExport }
  | { kind: 'already-known'; facts: ExportFacts; known: Known }
  | { kind: 'rejected-locally'; file: string; reason: string }
  | { kind: 'watch-error'; message: string };

/** How often a missing SavedVariables folder is looked for (the game creates it at the first logout). */
const FOLDER_POLL_MS = 5_000;

export class SavedVariablesWatcher {
  private readonly dir: string;
  private readonly fileName: string;
  private readonly log?: Logger;
  private watcher?: FSWatcher;
  private folderPoll?: NodeJS.Timeout;
  private rescanTimer?: NodeJS.Timeout;
  private closed = false;
  /** A check was asked for while one ran: run one more after it (the file may have changed again). */
  private pending: { settled: boolean } | undefined;
  private running?: Promise<void>;
  /** The last file content looked at, so a re-check of an unchanged file says nothing. */
  private lastHash?: string;
  private lastStat?: string;
  private readonly counters = { queued: 0, rejectedLocally: 0, alreadyKnown: 0, checks: 0 };

  constructor(private readonly opts: WatcherOptions) {
    const p = pathFor(opts.file);
    this.dir = p.dirname(opts.file);
    this.fileName = p.basename(opts.file);
    this.log = opts.logger?.child({ component: 'companion-watcher' });
  }

  /** Starts watching (or waiting for the folder) and checks the file once. */
  async start(): Promise<void> {
    if (await isDirectory(this.dir)) {
      await this.watchFolder();
    } else {
      this.opts.onEvent({ kind: 'waiting-for-folder', dir: this.dir });
      this.folderPoll = setInterval(() => {
        void isDirectory(this.dir).then(async (exists) => {
          if (!exists || this.closed || !this.folderPoll) return;
          clearInterval(this.folderPoll);
          this.folderPoll = undefined;
          await this.watchFolder();
        });
      }, Math.min(FOLDER_POLL_MS, this.opts.rescanMs));
    }
  }

  /** Looks at the file now (it is also looked at on every change and every rescan). */
  check(): Promise<void> {
    this.schedule(false);
    return this.idle();
  }

  /** Resolves when no check is running or waiting. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stats(): { queued: number; rejectedLocally: number; alreadyKnown: number; checks: number } {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.folderPoll) clearInterval(this.folderPoll);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.folderPoll = undefined;
    this.rescanTimer = undefined;
    await this.watcher?.close();
    await this.idle();
  }

  private async watchFolder(): Promise<void> {
    const caseless = process.platform === 'win32' || process.platform === 'darwin';
    const same = (a: string, b: string) => (caseless ? a.toLowerCase() === b.toLowerCase() : a === b);
    const p = pathFor(this.opts.file);
    const watcher = chokidar.watch(this.dir, {
      depth: 0,
      // The first look is ours (below), with its own check that the file is complete.
      ignoreInitial: true,
      ignored: (candidate: string) => !(same(candidate, this.dir) || (same(p.dirname(candidate), this.dir) && same(p.basename(candidate), this.fileName))),
      // Reported once the size has held still this long: the game writes large files in pieces.
      awaitWriteFinish: { stabilityThreshold: this.opts.settleMs, pollInterval: Math.max(20, Math.min(100, Math.floor(this.opts.settleMs / 4))) },
      // Delete-then-create within a moment (the .bak dance) arrives as one change.
      atomic: true,
    });
    this.watcher = watcher;
    watcher.on('add', () => this.schedule(true));
    watcher.on('change', () => this.schedule(true));
    watcher.on('unlink', () => this.log?.debug({ file: this.opts.file }, 'SavedVariables file removed (the game is replacing it)'));
    watcher.on('error', (err: unknown) => {
      this.log?.warn({ err }, 'File watcher error');
      this.opts.onEvent({ kind: 'watch-error', message: `watching ${this.dir} failed: ${(err as Error).message}` });
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    if (this.closed) {
      await watcher.close();
      return;
    }
    this.opts.onEvent({ kind: 'watching', file: this.opts.file, exists: (await statOf(this.opts.file)) !== undefined });
    this.rescanTimer = setInterval(() => this.rescan(), this.opts.rescanMs);
    this.schedule(false);
  }

  /** Cheap: only a stat, and a check when the size or time differs from the last one looked at. */
  private rescan(): void {
    void statOf(this.opts.file).then((s) => {
      if (s && statKey(s) !== this.lastStat && !this.running) this.schedule(false);
    });
  }

  /** `settled`: chokidar already saw the size hold still; otherwise check that first. */
  private schedule(settled: boolean): void {
    if (this.closed) return;
    this.pending = { settled: (this.pending?.settled ?? true) && settled };
    if (this.running) return;
    this.running = (async () => {
      try {
        while (this.pending && !this.closed) {
          const { settled: s } = this.pending;
          this.pending = undefined;
          await this.checkOnce(s);
        }
      } finally {
        this.running = undefined;
      }
    })();
  }

  private async checkOnce(settled: boolean): Promise<void> {
    this.counters.checks += 1;
    const file = this.opts.file;
    try {
      let before = await statOf(file);
      if (!before) return;
      if (!settled) {
        before = await this.waitUntilStill(before);
        if (!before) return;
      }
      if (before.size > MAX_SAVED_VARIABLES_BYTES) {
        // Refused from its size alone: reading 50 MB to say no is pointless.
        const key = `size:${statKey(before)}`;
        if (key !== this.lastHash) {
          this.lastHash = key;
          this.rejectLocally(
            `The file is ${(before.size / 1024 / 1024).toFixed(1)} MB; at most ${MAX_SAVED_VARIABLES_BYTES / 1024 / 1024} MB is accepted (a 10,000-member guild writes about 5 MB).`,
          );
        }
        this.lastStat = statKey(before);
        return;
      }
      const bytes = await fs.readFile(file);
      const hash = sha256(bytes);
      this.lastStat = statKey(before);
      if (hash === this.lastHash) return;

      let facts: ExportFacts;
      try {
        facts = describeExport(bytes);
      } catch (err) {
        if (!(err instanceof AddonExportError)) throw err;
        // A half-written file also fails to parse: if it is still changing, the next event brings the whole file.
        const after = await this.waitUntilStill(await statOf(file));
        if (!after || statKey(after) !== statKey(before) || this.closed) {
          this.log?.debug({ file }, 'File changed while being read; waiting for the next write');
          if (after) this.schedule(true);
          return;
        }
        this.lastHash = hash;
        this.rejectLocally(err.message);
        return;
      }
      this.lastHash = hash;
      const known = this.opts.queue.knows(facts);
      if (known) {
        this.counters.alreadyKnown += 1;
        this.opts.onEvent({ kind: 'already-known', facts, known });
        return;
      }
      const item = await this.opts.queue.add(bytes, facts);
      if (item) {
        this.counters.queued += 1;
        this.opts.onEvent({ kind: 'queued', item });
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // replaced between stat and read: its new version raises its own event
      this.log?.warn({ err, file }, 'Could not read the SavedVariables file');
      this.opts.onEvent({ kind: 'watch-error', message: `could not read ${file}: ${(err as Error).message} (trying again at the next change)` });
      this.lastStat = undefined;
    }
  }

  /** The file's stat once its size and time have held still for settleMs; undefined if it vanished. */
  private async waitUntilStill(first: Stats | undefined): Promise<Stats | undefined> {
    let previous = first;
    while (previous && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, this.opts.settleMs));
      const now = await statOf(this.opts.file);
      if (!now || statKey(now) === statKey(previous)) return now;
      previous = now;
    }
    return previous;
  }

  private rejectLocally(reason: string): void {
    this.counters.rejectedLocally += 1;
    this.log?.warn({ file: this.opts.file, reason }, 'SavedVariables file rejected; not queued');
    this.opts.onEvent({ kind: 'rejected-locally', file: this.opts.file, reason });
  }
}

async function statOf(file: string): Promise<Stats | undefined> {
  try {
    const s = await fs.stat(file);
    return s.isFile() ? s : undefined;
  } catch {
    return undefined;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

function statKey(s: Stats): string {
  return `${s.size}:${s.mtimeMs}`;
}

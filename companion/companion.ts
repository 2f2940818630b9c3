import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ConfigError } from '../config';
import { REDACT_PATHS, type Logger } from '../config/logger';
import type { CompanionConfig } from './config';
import { UploadQueue, type QueuedExport } from './queue';
import { UPLOAD_PATH, Uploader, type UploaderEvent, type UploaderStats } from './uploader';
import { SavedVariablesWatcher, type WatcherEvent } from './watcher';

/**
 * The companion on an officer's gaming PC: the watcher queues each new export the addon writes,
 * the uploader sends the queue to the API in order. A person reads the console (plain lines, what
 * happened and what to do); the JSON log file in the companion folder keeps the details.
 */

/** Where the lines for a person go; `error` (if given) takes the ones that need their attention. */
export interface CompanionConsole {
  log(line: string): void;
  error?(line: string): void;
}

export interface StartCompanionOptions {
  /** Default: JSON lines to `<companionDir>/companion.log`. */
  logger?: Logger;
  /** Default: the process console. */
  console?: CompanionConsole;
}

export interface CompanionStats {
  /** Exports waiting in the queue. */
  queued: number;
  uploader: UploaderStats;
  watcher: { queued: number; rejectedLocally: number; alreadyKnown: number; checks: number };
}

export interface Companion {
  /** Stops watching; an upload in flight finishes (or stays queued); the queue is kept for next time. */
  stop(): Promise<void>;
  /** Resolves once every change seen so far is uploaded or rejected (never while the API is down or blocked). */
  idle(): Promise<void>;
  /** Retries now instead of at the end of the back-off wait; resolves like idle(). */
  flush(): Promise<void>;
  /** Looks at the SavedVariables file now. */
  check(): Promise<void>;
  stats(): CompanionStats;
}

const LOG_FILE = 'companion.log';
const LOCK_FILE = 'companion.lock';
/** The log file starts afresh (the old one kept as companion.log.1) beyond this size. */
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
/** Companion folders this process holds, so a lock with our own pid is told apart from a stale one. */
const heldDirs = new Set<string>();

export async function startCompanion(config: CompanionConfig, opts: StartCompanionOptions = {}): Promise<Companion> {
  fs.mkdirSync(config.companionDir, { recursive: true });
  const out = opts.console ?? console;
  const say = (line: string) => out.log(line);
  const warn = (line: string) => (out.error ? out.error(line) : out.log(line));
  const logger = opts.logger ?? createCompanionLogger(config.companionDir, config.logLevel);
  const log = logger.child({ component: 'companion' });

  const releaseLock = acquireLock(config.companionDir);
  try {
    const queue = await UploadQueue.open(config.companionDir, { logger });
    log.info(
      { apiUrl: config.apiUrl, file: config.savedVariablesFile, dir: config.companionDir, configFile: config.configFile, waiting: queue.size() },
      'Companion starting',
    );
    say(`PATT Companion: uploading to ${config.apiUrl}${config.configFile ? ` (settings from ${config.configFile})` : ''}`);
    const insecure = plainHttpWarning(config.apiUrl);
    if (insecure) warn(insecure);
    if (queue.size() > 0) say(`Queue: ${plural(queue.size(), 'export')} waiting from last time`);

    const uploader = new Uploader(queue, {
      apiUrl: config.apiUrl,
      apiKey: config.apiKey,
      timeoutMs: config.uploadTimeoutMs,
      retry: config.retry,
      ...(config.probe ? { probe: config.probe } : {}),
      logger,
      onEvent: (e) => describeUpload(e, config, say, warn),
    });
    const watcher = new SavedVariablesWatcher({
      file: config.savedVariablesFile,
      queue,
      settleMs: config.watch.settleMs,
      rescanMs: config.watch.rescanMs,
      logger,
      onEvent: (e) => {
        describeFile(e, queue, say, warn);
        if (e.kind === 'queued') uploader.wake();
      },
    });
    uploader.start();
    await watcher.start();

    let stopping: Promise<void> | undefined;
    const idle = async () => {
      await watcher.idle();
      await queue.settled();
      await uploader.idle();
    };
    return {
      stop: () =>
        (stopping ??= (async () => {
          await watcher.close();
          await uploader.stop();
          await queue.settled();
          releaseLock();
          const left = queue.size();
          say(left > 0 ? `Stopped; ${plural(left, 'export')} ${left === 1 ? 'stays' : 'stay'} queued for next time` : 'Stopped');
          log.info({ waiting: left }, 'Companion stopped');
        })()),
      idle,
      flush: async () => {
        await watcher.idle();
        await queue.settled();
        await uploader.flush();
      },
      check: () => watcher.check(),
      stats: () => ({ queued: queue.size(), uploader: uploader.stats(), watcher: watcher.stats() }),
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

/** JSON lines to `<dir>/companion.log` (the previous log kept as companion.log.1 once it is large). */
export function createCompanionLogger(dir: string, level: string): Logger {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOG_FILE);
  try {
    if (fs.statSync(file).size > LOG_ROTATE_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
  return pino(
    {
      name: 'patt-companion',
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Synchronous: a few lines a minute at most, and nothing is lost when the PC is switched off.
    pino.destination({ dest: file, sync: true, mkdir: true }),
  );
}

function describeFile(e: WatcherEvent, queue: UploadQueue, say: (l: string) => void, warn: (l: string) => void): void {
  switch (e.kind) {
    case 'watching':
      say(`Watching ${e.file}${e.exists ? '' : ' (not there yet: in the game, type /pattsync, then /reload)'}`);
      return;
    case 'waiting-for-folder':
      say(`Waiting for ${e.dir} to appear (the game creates it at the first /reload or logout with PATTSync enabled)`);
      return;
    case 'queued': {
      const waiting = queue.size();
      say(`New export: ${characters(e.item.members)} (${exportedBy(e.item)}) — queued${waiting > 1 ? ` (${waiting} waiting)` : ''}`);
      return;
    }
    case 'already-known': {
      const before =
        e.known.where === 'queued'
          ? 'already queued'
          : e.known.where === 'uploaded'
            ? `already uploaded${e.known.uploadId ? ` as #${e.known.uploadId}` : ''}`
            : `rejected by the API before, see ${queue.rejectedDir}`;
      say(`Same export as before (${exportedBy(e.facts)}, ${before}) — nothing new to send`);
      return;
    }
    case 'rejected-locally':
      warn(`Rejected ${baseName(e.file)}: ${e.reason} — not queued`);
      return;
    case 'watch-error':
      warn(`Watcher problem: ${e.message}`);
      return;
  }
}

function describeUpload(e: UploaderEvent, config: CompanionConfig, say: (l: string) => void, warn: (l: string) => void): void {
  switch (e.kind) {
    case 'uploaded':
      say(
        `Uploaded ${characters(e.item.members)}${e.uploadId ? ` (upload #${e.uploadId}${e.duplicate ? '; the API already had this export' : ''})` : e.duplicate ? ' (the API already had this export)' : ''}`,
      );
      return;
    case 'recovered':
      say(`API reachable again (after ${plural(e.afterFailures, 'failed attempt')})`);
      return;
    case 'retrying': {
      const what = e.problem.startsWith('HTTP ') ? `API error (${e.problem})` : `API unreachable (${e.problem})`;
      warn(`${what} — ${plural(e.waiting, 'export')} queued, retrying in ${formatDelay(e.delayMs)}`);
      return;
    }
    case 'down':
      warn(
        `API unreachable (${e.problem}; health: ${e.health}) — ${plural(e.waiting, 'export')} queued; checking every ${formatDelay(e.probe.minDelayMs)}–${formatDelay(e.probe.maxDelayMs)} and uploading as soon as it answers`,
      );
      return;
    case 'up':
      say(`API reachable again (after ${plural(e.afterProbes, 'check')}) — uploading`);
      return;
    case 'rejected':
      // Loud: this export will never reach the guild's records unless someone acts.
      warn(
        `NOT DELIVERED — refused by the API: ${e.message} (${e.code ? `${e.code}, ` : ''}HTTP ${e.status}${e.at ? `; line ${e.at.line}, column ${e.at.column} of the file` : ''}). ` +
          `The export (${exportedBy(e.item)}) is kept in ${e.movedTo} and will not be retried: fix the cause in the game, then /pattsync and /reload.`,
      );
      return;
    case 'blocked': {
      const kept = `${plural(e.waiting, 'export')} ${e.waiting === 1 ? 'stays' : 'stay'} queued`;
      if (e.setting === 'PATT_API_KEY') {
        const why = e.status === 403 ? 'the API key may not upload' : 'the API refused the key';
        warn(
          `Uploads stopped: ${why} (HTTP ${e.status}: ${e.message}). Fix PATT_API_KEY (a key with the addon:upload scope), then restart the companion; ${kept}.`,
        );
      } else {
        warn(
          `Uploads stopped: ${config.apiUrl}${UPLOAD_PATH} answered HTTP ${e.status}. Fix PATT_API_URL (the API's base address, without /api), then restart the companion; ${kept}.`,
        );
      }
      return;
    }
  }
}

/**
 * One companion per folder: two would upload the same queue twice (harmless for the API, but the
 * queue files would be moved under each other's feet). A lock left by a crashed run is taken over.
 */
function acquireLock(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const key = path.resolve(dir);
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    const ours = pid === process.pid;
    if (Number.isInteger(pid) && pid > 0 && (ours ? heldDirs.has(key) : isAlive(pid))) {
      throw new ConfigError(
        `Another PATT Companion (process ${pid}) is already using ${dir}: stop it first, or set PATT_COMPANION_DIR to another folder (if none is running, delete ${file}).`,
      );
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // No lock file, or an unreadable one: ours to take.
  }
  fs.writeFileSync(file, `${process.pid}\n`);
  heldDirs.add(key);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldDirs.delete(key);
    try {
      if (Number(fs.readFileSync(file, 'utf8').trim()) === process.pid) fs.rmSync(file, { force: true });
    } catch {
      // Already gone.
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function plainHttpWarning(apiUrl: string): string | undefined {
  const u = new URL(apiUrl);
  if (u.protocol !== 'http:') return undefined;
  if (['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return undefined;
  return `Warning: PATT_API_URL uses http:// to ${u.hostname}: the API key and the guild's notes travel unencrypted. Use https:// if the API offers it.`;
}

export function characters(n: number): string {
  return plural(n, 'character');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `exported 17:02 by Trogmoon-Senjin` (with the date when it is not today), in the PC's local time. */
export function exportedBy(e: { exportedAt: number; exporter: string }, now = new Date()): string {
  const d = new Date(e.exportedAt * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getHours())}:${two(d.getMinutes())}`;
  const sameDay = d.toDateString() === now.toDateString();
  const when = sameDay ? time : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`;
  return `exported ${when} by ${e.exporter}`;
}

/** `300 ms`, `1.5 s`, `8 s`, `2 min 30 s`. */
export function formatDelay(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export type { QueuedExport };

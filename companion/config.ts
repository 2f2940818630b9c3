import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config';

/**
 * The companion's settings: from the environment, else from a JSON file with the same keys
 * (`--config file`, or `patt-companion.json` in the companion folder). The environment wins, so one
 * officer can keep the file and override a single value for a test run. A missing or bad value stops
 * start-up with one line naming it and what to do.
 */

/** The file the addon writes, relative to the account folder. */
export const SAVED_VARIABLES_FILE_NAME = 'PATTSync.lua';
export const CONFIG_FILE_NAME = 'patt-companion.json';

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const positiveMs = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

const settingsSchema = z.object({
  PATT_API_URL: optionalText.pipe(
    z
      .url({ protocol: /^https?$/, error: 'an http(s) address such as https://patt.example.org' })
      .optional(),
  ),
  PATT_API_KEY: optionalText,
  WOW_SAVED_VARIABLES_PATH: optionalText,
  WOW_ACCOUNT: optionalText,
  PATT_COMPANION_DIR: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PATT_UPLOAD_TIMEOUT_MS: positiveMs(60_000, 1_000),
  PATT_RETRY_MIN_MS: positiveMs(1_000, 10),
  PATT_RETRY_MAX_MS: positiveMs(5 * 60_000, 10),
  /** While the API is unreachable, its health is checked at a random moment in this window, so a queue drains within seconds of its return. */
  PATT_PROBE_MIN_MS: positiveMs(2_000, 10),
  PATT_PROBE_MAX_MS: positiveMs(5_000, 10),
  /** How long the file must stay the same size before it is read (the game writes it in pieces). */
  PATT_WATCH_SETTLE_MS: positiveMs(750, 50),
  /** A slow re-check behind the file watcher, for drives where change events go missing. */
  PATT_WATCH_RESCAN_MS: positiveMs(30_000, 100),
});

/** Every key the environment or the config file may set. */
export const COMPANION_SETTINGS = Object.keys(settingsSchema.shape) as (keyof z.infer<typeof settingsSchema>)[];

export interface CompanionConfig {
  /** The API's base address, without a trailing slash (uploads go to `<apiUrl>/api/guild-sync/addon-upload`). */
  apiUrl: string;
  apiKey: string;
  /** The SavedVariables file the addon writes (absolute; a Windows path when it was given as one). */
  savedVariablesFile: string;
  /** Queue, rejected uploads, state and the log file live here. */
  companionDir: string;
  /** The JSON file the settings came from, if any (said at start-up so a person knows which one). */
  configFile?: string;
  logLevel: z.infer<typeof settingsSchema>['LOG_LEVEL'];
  uploadTimeoutMs: number;
  /** Back-off between retries while the API is up but failing (5xx, 429). */
  retry: { minDelayMs: number; maxDelayMs: number };
  /** Health checks while the API is down (unreachable, 502/503/504); default 2–5 s. */
  probe?: { minDelayMs: number; maxDelayMs: number };
  watch: { settleMs: number; rescanMs: number };
}

export interface LoadCompanionConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** `--config <file>`: must exist. Without it, `patt-companion.json` in the companion folder is read if present. */
  configFile?: string;
  /** For tests of the Windows defaults on another system. */
  platform?: NodeJS.Platform;
  homeDir?: string;
}

const ADVICE: Record<string, string> = {
  PATT_API_URL: 'set it to the address of the PATT Guild Sync API, e.g. https://patt.example.org (without /api)',
  PATT_API_KEY: 'ask an officer for a key with the addon:upload scope (npm run cli -- api-key create --name "<you> companion" --scopes addon:upload)',
  WOW_SAVED_VARIABLES_PATH: `set it to the addon's file (…\\_retail_\\WTF\\Account\\<ACCOUNT>\\SavedVariables\\${SAVED_VARIABLES_FILE_NAME}) or to the _retail_ folder plus WOW_ACCOUNT`,
  WOW_ACCOUNT: 'set it to the account folder name under _retail_\\WTF\\Account (the one you log in with, e.g. 12345678#1)',
};

export function loadCompanionConfig(opts: LoadCompanionConfigOptions = {}): CompanionConfig {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const homeDir = opts.homeDir ?? os.homedir();

  // The companion folder decides where the default config file is, so it comes first (env, or --config).
  let fileSettings: Record<string, unknown> = {};
  let configFile: string | undefined;
  if (opts.configFile) {
    configFile = resolvePath(expandHome(opts.configFile, homeDir));
    if (!fs.existsSync(configFile)) throw new ConfigError(`Config file not found: ${configFile} (given with --config).`);
    fileSettings = readConfigFile(configFile);
  }
  const dirSetting = textOf(env.PATT_COMPANION_DIR) ?? textOf(fileSettings.PATT_COMPANION_DIR);
  const companionDir = dirSetting
    ? resolvePath(expandHome(dirSetting, homeDir))
    : defaultCompanionDir(platform, env, homeDir);
  if (!configFile) {
    const candidate = pathFor(companionDir).join(companionDir, CONFIG_FILE_NAME);
    if (fs.existsSync(candidate)) {
      configFile = candidate;
      fileSettings = readConfigFile(candidate);
    }
  }

  const merged: Record<string, unknown> = {};
  for (const key of COMPANION_SETTINGS) {
    const fromEnv = env[key];
    merged[key] = fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : fileSettings[key];
  }
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'settings');
    const value = merged[name];
    const shown = value === undefined ? 'it is missing' : `got ${JSON.stringify(name === 'PATT_API_KEY' ? '***' : value)}`;
    const advice = ADVICE[name] ? `${ADVICE[name]![0]!.toUpperCase()}${ADVICE[name]!.slice(1)}.` : whereToSet(configFile);
    throw new ConfigError(`Invalid ${name}: ${issue.message} (${shown}). ${advice}`);
  }
  const s = parsed.data;
  if (!s.PATT_API_URL) throw missing('PATT_API_URL', configFile);
  if (!s.PATT_API_KEY) throw missing('PATT_API_KEY', configFile);
  if (!s.WOW_SAVED_VARIABLES_PATH) throw missing('WOW_SAVED_VARIABLES_PATH', configFile);
  if (s.PATT_RETRY_MAX_MS < s.PATT_RETRY_MIN_MS) {
    throw new ConfigError(`Invalid PATT_RETRY_MAX_MS: ${s.PATT_RETRY_MAX_MS} is below PATT_RETRY_MIN_MS (${s.PATT_RETRY_MIN_MS}).`);
  }
  if (s.PATT_PROBE_MAX_MS < s.PATT_PROBE_MIN_MS) {
    throw new ConfigError(`Invalid PATT_PROBE_MAX_MS: ${s.PATT_PROBE_MAX_MS} is below PATT_PROBE_MIN_MS (${s.PATT_PROBE_MIN_MS}).`);
  }

  return {
    apiUrl: s.PATT_API_URL.replace(/\/+$/, ''),
    apiKey: s.PATT_API_KEY,
    savedVariablesFile: resolveSavedVariablesFile(s.WOW_SAVED_VARIABLES_PATH, s.WOW_ACCOUNT, homeDir),
    companionDir,
    configFile,
    logLevel: s.LOG_LEVEL,
    uploadTimeoutMs: s.PATT_UPLOAD_TIMEOUT_MS,
    retry: { minDelayMs: s.PATT_RETRY_MIN_MS, maxDelayMs: s.PATT_RETRY_MAX_MS },
    probe: { minDelayMs: s.PATT_PROBE_MIN_MS, maxDelayMs: s.PATT_PROBE_MAX_MS },
    watch: { settleMs: s.PATT_WATCH_SETTLE_MS, rescanMs: s.PATT_WATCH_RESCAN_MS },
  };
}

/**
 * WOW_SAVED_VARIABLES_PATH is either the addon's file itself, or a WoW folder (`_retail_`, or the
 * `World of Warcraft` folder above it) from which `WTF/Account/<WOW_ACCOUNT>/SavedVariables/PATTSync.lua`
 * is built. With one account folder only, WOW_ACCOUNT may be left out.
 */
export function resolveSavedVariablesFile(given: string, account: string | undefined, homeDir = os.homedir()): string {
  const p = pathFor(given);
  const full = resolvePath(expandHome(given, homeDir));
  if (/\.lua$/i.test(full)) return full;
  if (/^savedvariables$/i.test(p.basename(full))) return p.join(full, SAVED_VARIABLES_FILE_NAME);

  let wowDir = full;
  if (/^account$/i.test(p.basename(wowDir)) && /^wtf$/i.test(p.basename(p.dirname(wowDir)))) {
    wowDir = p.dirname(p.dirname(wowDir));
  } else if (/^wtf$/i.test(p.basename(wowDir))) {
    wowDir = p.dirname(wowDir);
  } else if (!isDir(p.join(wowDir, 'WTF')) && isDir(p.join(wowDir, '_retail_'))) {
    // The "World of Warcraft" folder: the retail game lives in _retail_ below it.
    wowDir = p.join(wowDir, '_retail_');
  }
  const accountsDir = p.join(wowDir, 'WTF', 'Account');
  if (!account) {
    const accounts = listAccounts(accountsDir);
    if (accounts.length === 1) account = accounts[0]!;
    else if (accounts.length === 0) {
      throw new ConfigError(
        `Missing WOW_ACCOUNT: WOW_SAVED_VARIABLES_PATH is the folder ${wowDir}, and no account folder was found in ${accountsDir}. ${ADVICE.WOW_ACCOUNT}, or give the full path to ${SAVED_VARIABLES_FILE_NAME}.`,
      );
    } else {
      throw new ConfigError(
        `Missing WOW_ACCOUNT: ${accountsDir} holds ${accounts.length} accounts (${accounts.join(', ')}); set WOW_ACCOUNT to the one you play PATT on.`,
      );
    }
  }
  if (/[\\/]/.test(account) || account === '.' || account === '..') {
    throw new ConfigError(`Invalid WOW_ACCOUNT: a folder name, not a path (got ${JSON.stringify(account)}). Set it to the account folder name under _retail_\\WTF\\Account.`);
  }
  return p.join(accountsDir, account, 'SavedVariables', SAVED_VARIABLES_FILE_NAME);
}

/** `%APPDATA%\PATT Companion` on Windows, `~/.patt-companion` elsewhere. */
export function defaultCompanionDir(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, homeDir: string): string {
  if (platform === 'win32') {
    const appData = textOf(env.APPDATA) ?? path.win32.join(homeDir, 'AppData', 'Roaming');
    return path.win32.join(appData, 'PATT Companion');
  }
  return pathFor(homeDir).join(homeDir, '.patt-companion');
}

/**
 * Windows paths are handled as Windows paths on any system (`C:\…`, `C:/…`, `\\server\share`), so a
 * config written on the gaming PC means the same thing in a test on Linux.
 */
export function looksLikeWindowsPath(p: string): boolean {
  return /^[a-zA-Z]:([\\/]|$)/.test(p) || p.startsWith('\\\\') || (p.includes('\\') && !p.includes('/'));
}

export function pathFor(p: string): path.PlatformPath {
  return looksLikeWindowsPath(p) ? path.win32 : path;
}

function resolvePath(p: string): string {
  // A Windows path on another system is kept as it is (normalised), not joined to the current folder.
  if (looksLikeWindowsPath(p) && process.platform !== 'win32') return path.win32.normalize(p);
  return path.resolve(p);
}

function expandHome(p: string, homeDir: string): string {
  if (p === '~') return homeDir;
  if (p.startsWith('~/') || p.startsWith('~\\')) return pathFor(homeDir).join(homeDir, p.slice(2));
  return p;
}

function listAccounts(accountsDir: string): string[] {
  try {
    return fs
      .readdirSync(accountsDir, { withFileTypes: true })
      // The game keeps an account-wide SavedVariables folder next to the account folders.
      .filter((d) => d.isDirectory() && d.name.toLowerCase() !== 'savedvariables')
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the config file ${file}: ${(err as Error).message}.`);
  }
  let json: unknown;
  try {
    // Notepad saves UTF-8 with a byte order mark.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const hint = /\\[^\\"/bfnrtu]/.test(text) ? ' In JSON a backslash is written twice: "C:\\\\Program Files (x86)\\\\…", or use forward slashes.' : '';
    throw new ConfigError(`The config file ${file} is not valid JSON: ${(err as Error).message}.${hint}`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`The config file ${file} must hold one JSON object, e.g. {"PATT_API_URL": "https://…", "PATT_API_KEY": "…"}.`);
  }
  const unknown = Object.keys(json).filter((k) => !(COMPANION_SETTINGS as string[]).includes(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `The config file ${file} has an unknown key ${JSON.stringify(unknown[0])}: the keys are ${COMPANION_SETTINGS.join(', ')}.`,
    );
  }
  // Numbers in the file arrive as numbers; the schema coerces both.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) out[k] = typeof v === 'number' ? String(v) : v;
  return out;
}

function textOf(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function missing(name: string, configFile: string | undefined): ConfigError {
  return new ConfigError(`Missing ${name}: ${ADVICE[name]}. ${whereToSet(configFile)}`);
}

function whereToSet(configFile: string | undefined): string {
  return configFile
    ? `Set it in the environment or in ${configFile}.`
    : `Set it in the environment or in a ${CONFIG_FILE_NAME} file (see companion/README.md).`;
}

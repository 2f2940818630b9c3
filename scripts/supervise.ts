import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../config/logger';

export interface Supervised {
  name: string;
  stop(): Promise<void>;
}

/**
 * Runs a Node entry point as a child process and restarts it with growing pauses if it dies, the way
 * a process manager would; its output goes straight to this terminal.
 */
export function supervise(opts: { name: string; script: string; env: NodeJS.ProcessEnv; logger: Logger }): Supervised {
  let child: ChildProcess | null = null;
  let stopping = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | null = null;

  const start = () => {
    const startedAt = Date.now();
    child = spawn(process.execPath, ['--enable-source-maps', opts.script], { env: opts.env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => {
      child = null;
      if (stopping) return;
      failures = Date.now() - startedAt > 60_000 ? 1 : failures + 1;
      const delay = Math.min(30_000, 1000 * 2 ** (failures - 1));
      opts.logger.error({ process: opts.name, code, signal, restartInMs: delay }, `${opts.name} stopped unexpectedly; restarting`);
      restartTimer = setTimeout(start, delay);
    });
  };
  start();

  return {
    name: opts.name,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
        c.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        c.kill('SIGTERM');
      });
    },
  };
}

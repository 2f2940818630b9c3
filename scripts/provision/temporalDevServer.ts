import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../../config/logger';
import { errorText, isPortOpen, sleep, tailFile } from './waitFor';

/**
 * Starts `temporal server start-dev` (the Temporal CLI's dev server: frontend, SQLite or in-memory
 * store, Web UI) and waits until a client can really talk to it. We run it ourselves rather than
 * through TestWorkflowEnvironment.createLocal because createLocal allows the server only 5 s to come
 * up, too little on a busy 2-core machine.
 */
export interface StartTemporalDevServerOptions {
  cliPath: string;
  port: number;
  /** Web UI port; ignored when headless. Default: port + 1000 (the CLI's own default). */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file; omitted = in-memory (everything is lost when the server stops). */
  dbFile?: string;
  /** Created at launch besides "default", which always exists. */
  namespace?: string;
  /** The server's stdout and stderr are appended here. */
  logFile: string;
  ip?: string;
  readyTimeoutMs?: number;
  logger: Logger;
  extraArgs?: string[];
  /**
   * Run it in a process group of its own (npm start): Ctrl-C then reaches only the launcher, which
   * stops the worker and API before Temporal. Tests leave it in theirs, so Ctrl-C ends it too.
   */
  detached?: boolean;
}

export interface TemporalDevServer {
  /** host:port for Connection.connect / NativeConnection.connect. */
  address: string;
  uiUrl?: string;
  /** Our child's pid; 0 when an already running server was reused. */
  pid: number;
  /** True when a Temporal server already answered on the port: it is not ours, and stop() leaves it alone. */
  reused: boolean;
  /** Settles when our server process exits (a crash too); null for a reused server. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null;
  stop(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 3_000;

export async function startTemporalDevServer(opts: StartTemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const address = `${ip}:${opts.port}`;
  const namespace = opts.namespace ?? 'default';
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? opts.port + 1000);
  const uiUrl = uiPort === undefined ? undefined : `http://${ip === '0.0.0.0' ? '127.0.0.1' : ip}:${uiPort}`;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const log = opts.logger;
  const probeHost = ip === '0.0.0.0' ? '127.0.0.1' : ip;

  // Something already listens: a Temporal server (the user's own, or ours left from a killed run)
  // is reused; anything else is a clear error rather than a confusing "address in use" later.
  if (await isPortOpen(probeHost, opts.port)) {
    const probe = await probeTemporal(`${probeHost}:${opts.port}`, namespace, PROBE_TIMEOUT_MS);
    if (probe.ok) {
      log.info({ address }, 'A Temporal server already answers on this address; using it');
      return reusedServer(address, uiUrl);
    }
    if (probe.temporal) {
      throw new Error(
        `A Temporal server answers at ${address} but has no namespace "${namespace}" (${probe.why}). ` +
          `Create it (temporal operator namespace create --address ${address} ${namespace}), or stop that server so we start our own.`,
      );
    }
    throw new Error(
      `Port ${opts.port} on ${ip} is in use, but not by a Temporal server ` +
        `(${probe.why}). Stop that program or choose another port (TEMPORAL_PORT).`,
    );
  }
  if (uiPort !== undefined && (await isPortOpen(probeHost, uiPort))) {
    throw new Error(`Port ${uiPort} on ${ip} (Temporal Web UI) is already in use. Stop that program or choose another port (TEMPORAL_UI_PORT).`);
  }

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port)];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (namespace !== 'default') args.push('--namespace', namespace);
  args.push(
    '--log-level',
    'warn',
    // As the SDK's own dev-server launcher does: no version check calls home (there is no internet
    // on many of our machines), and workflow updates are on.
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    ...(opts.extraArgs ?? []),
  );

  fs.mkdirSync(path.dirname(path.resolve(opts.logFile)), { recursive: true });
  const logFd = fs.openSync(opts.logFile, 'a');
  fs.writeSync(logFd, `\n--- ${new Date().toISOString()} ${opts.cliPath} ${args.join(' ')}\n`);
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(opts.cliPath, args, { stdio: ['ignore', logFd, logFd], detached: opts.detached ?? false });
  } finally {
    fs.closeSync(logFd); // the child has its own copy
  }

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      exit = exit ?? { code: null, signal: null };
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exit) return;
    const send = (signal: NodeJS.Signals) => {
      try {
        if (opts.detached && child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    };
    send('SIGTERM');
    const timer = setTimeout(() => send('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const logTail = () => {
    const tail = tailFile(opts.logFile, 15);
    return tail ? `\nLast lines of ${opts.logFile}:\n${tail}` : `\n(${opts.logFile} is empty)`;
  };

  // Readiness: a real gRPC round trip (getSystemInfo + describeNamespace), not just an open port.
  const deadline = started + readyTimeoutMs;
  let lastWhy = 'not tried yet';
  for (;;) {
    if (exit) {
      // Lost a start race with another launcher? Then a Temporal server is there now: use it.
      const probe = await checkTemporal(probeHost, opts.port, namespace, PROBE_TIMEOUT_MS);
      if (probe.ok) {
        log.info({ address }, 'Our dev server exited, but another Temporal server now answers there; using it');
        return reusedServer(address, uiUrl);
      }
      const how = spawnError
        ? `could not be started (${errorText(spawnError)})`
        : `exited early with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
      throw new Error(`Temporal dev server (${opts.cliPath}) ${how} before it was ready at ${address}.${logTail()}`);
    }
    const probe = await checkTemporal(probeHost, opts.port, namespace, Math.min(PROBE_TIMEOUT_MS, Math.max(500, deadline - Date.now())));
    if (probe.ok) break;
    lastWhy = probe.why;
    if (Date.now() >= deadline) {
      await stop();
      throw new Error(
        `Temporal dev server did not become ready at ${address} within ${Math.round(readyTimeoutMs / 1000)} s ` +
          `(last check: ${lastWhy}); it was stopped.${logTail()}`,
      );
    }
    await Promise.race([sleep(250), exited]);
  }

  const pid = child.pid ?? 0;
  log.info({ address, uiUrl, pid, ms: Date.now() - started, dbFile: opts.dbFile ?? 'in-memory', logFile: opts.logFile }, 'Temporal dev server ready');
  return { address, uiUrl, pid, reused: false, exited: exited.then(() => exit!), stop };
}

function reusedServer(address: string, uiUrl: string | undefined): TemporalDevServer {
  return { address, uiUrl, pid: 0, reused: true, exited: null, stop: async () => undefined };
}

/** A cheap TCP check first: gRPC against a closed port only gives up at its deadline. */
async function checkTemporal(host: string, port: number, namespace: string, timeoutMs: number) {
  if (!(await isPortOpen(host, port, Math.min(timeoutMs, 1000)))) return { ok: false as const, why: 'nothing listens on the port yet', temporal: false };
  return probeTemporal(`${host}:${port}`, namespace, timeoutMs);
}

/**
 * One readiness check: connect, getSystemInfo, describeNamespace. Returns why it failed rather than
 * throwing, since "not yet" is the normal answer while the server starts.
 */
export async function probeTemporal(
  address: string,
  namespace = 'default',
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<{ ok: true } | { ok: false; why: string; temporal: boolean }> {
  let connection: Connection | undefined;
  let temporal = false;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const c = connection;
    await c.withDeadline(Date.now() + timeoutMs, () => c.workflowService.getSystemInfo({}));
    temporal = true;
    await c.withDeadline(Date.now() + timeoutMs, () => c.workflowService.describeNamespace({ namespace }));
    return { ok: true };
  } catch (err) {
    return { ok: false, why: errorText(err).split('\n')[0]!, temporal };
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

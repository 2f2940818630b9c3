import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { DEMO_BLIZZARD_CREDENTIALS, loadConfig, runMain, type Config } from '../config';
import pino from 'pino';
import pinoPretty from 'pino-pretty';
import { REDACT_PATHS, redactUrl, type Logger } from '../config/logger';
import { createKnex, migrateToLatest, type Knex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { createApiKey } from '../db/operations/apiKeys/createApiKey';
import { firstReportState, type FirstReportState } from '../db/operations/audit/firstReport';
import { recordSheetImport, setSheetImportWorkflow, sheetImportById, sheetImported } from '../db/operations/sheetImports/sheetImports';
import { describeFirstReport } from '../cli/audit';
import { createSheetImportControl } from '../temporal/sheetImportControl';
import { generateDemoGuild, startBlizzardStandin, type DemoGuild } from '../standins/blizzard';
import { generateDemoDiscordServer, startDiscordStandin, type DemoPlayer } from '../standins/discord';
import { createDiscordSyncControl } from '../temporal/discordSyncControl';
import { createRosterSyncControl } from '../temporal/rosterSyncControl';
import { temporalUiLink } from '../temporal/connect';
import { ensureDiscordReconcileSchedule, ensureRosterSchedule } from '../temporal/schedules';
import { demoSavedVariablesPath } from './demoPaths';
import { demoSheet, writeDemoSheet } from './demoSheet';
import { SYNC_KINDS } from '../workflows/shared';
import { APP_DATABASE, ensureDatabase, providePostgres } from './provision/postgres';
import { checkPostgres, describePostgresUrl, superviseEmbeddedPostgres, superviseTemporalDevServer, watchExternal } from './provision/services';
import { resolveTemporalCli } from './provision/temporalCli';
import { probeTemporal } from './provision/temporalDevServer';
import { errorText } from './provision/waitFor';
import { supervise } from './supervise';

const PROJECT_DIR = path.resolve(__dirname, '..', '..');
const DIST_DIR = path.resolve(__dirname, '..');

/**
 * `npm start`: PostgreSQL, the Temporal dev server with its UI, migrations, the Blizzard and Discord
 * stand-ins (demo), the worker, the API and the Discord gateway listener as supervised processes,
 * the schedules, and a first sync in demo mode; then it prints where everything is. It keeps all of
 * it running: a child, the embedded PostgreSQL or the Temporal dev server that dies is started again.
 * SIGINT (Ctrl-C), SIGTERM or SIGHUP stops everything in order and exits 0.
 */
async function main(): Promise<void> {
  process.chdir(PROJECT_DIR);
  const config = loadConfig();
  const logger = launcherLogger(config);
  const stack = new Stack(logger);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stack.shutdown(signal));
  watchParent(stack);
  try {
    await bringUp(config, logger, stack);
  } catch (err) {
    // A stop during start-up fails whatever was in flight; the shutdown then exits.
    if (stack.stopping) return;
    logger.error({ err: errorText(err) }, 'npm start could not bring everything up; stopping what it started');
    await stack.stopAll();
    // Whatever still holds the event loop must not keep a failed start alive.
    setTimeout(() => process.exit(1), 2_000).unref();
    throw err;
  }
}

async function bringUp(config: Config, logger: Logger, stack: Stack): Promise<void> {
  banner(config);
  const logsDir = path.join(config.dataDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });

  const databaseUrl = await providePostgresSupervised(config, logger, stack);
  const knex = createKnex(databaseUrl, { max: 2 });
  stack.add('clients', 'database client', () => knex.destroy());
  const applied = await migrateToLatest(knex);
  logger.info({ database: redactUrl(databaseUrl), embedded: !config.database.url, applied: applied.length }, 'database ready');

  await provideTemporal(config, logsDir, logger, stack);

  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: config.temporal.address };
  const demoGuild = generateDemoGuild({ size: config.standins.demoGuildSize });
  if (config.demo) {
    const standin = await startBlizzardStandin({
      guild: demoGuild,
      ...DEMO_BLIZZARD_CREDENTIALS,
      port: config.standins.blizzardPort,
      host: '127.0.0.1',
    });
    stack.add('standins', 'Blizzard stand-in', () => standin.close());
    // The demo guild lives at the configured realm and guild slugs.
    standin.guild.slug = config.guild.nameSlug;
    Object.assign(childEnv, { BLIZZARD_API_URL: standin.url, BLIZZARD_OAUTH_URL: standin.url });
    logger.info({ url: standin.url, members: standin.guild.characters.length }, 'Blizzard stand-in serving the demo guild');
  }
  let discordControlUrl: string | null = null;
  let sheetFiles: { discordIds: string; characters: string } | null = null;
  if (config.discord.demo) {
    // The demo server's members are the demo guild's players, so names line up as in a real guild.
    const server = generateDemoDiscordServer({ size: config.standins.demoDiscordSize, players: playersOf(demoGuild), guildId: config.discord.guildId });
    // The officers' sheet of the demo guild, as they would export it (imported after the first syncs).
    if (config.demo) sheetFiles = writeDemoSheet(config.dataDir, demoSheet(demoGuild, server));
    const standin = await startDiscordStandin({ server, botToken: config.discord.botToken, port: config.standins.discordPort, host: '127.0.0.1' });
    stack.add('standins', 'Discord stand-in', () => standin.close());
    Object.assign(childEnv, {
      DISCORD_API_URL: standin.apiUrl,
      DISCORD_GUILD_ID: server.guildId,
      PATT_AUDIT_CHANNEL_ID: config.discord.auditChannelId ?? server.auditChannelId,
    });
    discordControlUrl = `${standin.url}/_standin`;
    logger.info({ url: standin.url, members: server.members.size }, 'Discord stand-in serving the demo server');
  }

  const guildId = await ensureGuild(knex, { region: config.blizzard.region, realmSlug: config.guild.realmSlug, nameSlug: config.guild.nameSlug });
  let demoKeyFile: string | null = null;
  if (config.demo) demoKeyFile = await ensureDemoApiKey(knex, guildId, config);

  const child = (name: string, script: string, env: NodeJS.ProcessEnv) => {
    const supervised = supervise({ name, script: path.join(DIST_DIR, script), env, logger });
    stack.add('children', name, () => supervised.stop(), () => supervised.quiesce());
  };
  child('worker', path.join('workers', 'main.js'), childEnv);
  child('api', path.join('api', 'main.js'), childEnv);
  child('gateway', path.join('gateway', 'main.js'), childEnv);
  if (demoKeyFile) {
    // The demo plays the officer's PC too: the companion watches the demo game's SavedVariables.
    const companionEnv = {
      ...childEnv,
      PATT_API_URL: config.api.publicUrl,
      PATT_API_KEY: fs.readFileSync(demoKeyFile, 'utf8').trim(),
      WOW_SAVED_VARIABLES_PATH: demoSavedVariablesPath(config.dataDir),
      PATT_COMPANION_DIR: path.join(config.dataDir, 'demo-companion'),
    };
    // The game makes this folder at its first save; making it now lets the companion watch it at once.
    fs.mkdirSync(path.dirname(companionEnv.WOW_SAVED_VARIABLES_PATH), { recursive: true });
    child('companion', path.join('companion', 'main.js'), companionEnv);
  }

  const connection = await Connection.connect({ address: config.temporal.address });
  // Not closed at the stop: a call the SDK is retrying would then throw "Channel has been shut down"
  // from its retry timer and crash the stop; the launcher exits right after stopping anyway.
  stack.add('clients', 'Temporal client', async () => undefined);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const schedule = await ensureRosterSchedule(client, config);
  const discordSchedule = await ensureDiscordReconcileSchedule(client, loadConfig(childEnv));
  const apiUp = await waitForApi(config, logger);

  const listener = await waitForListener(knex, guildId, logger);
  const firstReport = await firstReportState(knex, guildId, config.audit.firstReportWaitsFor);
  summary(config, { schedulePaused: schedule.paused, nextRunAt: schedule.nextRunAt, demoKeyFile, apiUp, discordSchedulePaused: discordSchedule.paused, listener, discordControlUrl, sheetFiles, auditChannelId: childEnv.PATT_AUDIT_CHANNEL_ID ?? config.discord.auditChannelId ?? null, firstReport });
  // From here on the stack is up: a step that fails (PostgreSQL or Temporal restarting under it)
  // is said and skipped, never a reason to stop what runs.
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      if (stack.stopping) throw err;
      logger.warn({ err: errorText(err) }, `${what} did not finish (${errorText(err)}); everything keeps running, do it by hand if needed (README: Troubleshooting)`);
    }
  };
  await step('the first roster sync', async () => {
    if (await needsFirstSync(knex, guildId)) await firstSync(client, config, logger);
  });
  // The demo seeds the guild as officers would: their sheet, then the addon's first upload; the
  // first report (held until both, by default) then goes out.
  if (sheetFiles) {
    const files = sheetFiles;
    await step('the demo sheet import', () => importDemoSheetOnce(knex, client, loadConfig(childEnv), guildId, files, logger));
  }
  if (demoKeyFile) await step('the demo addon upload', () => runDemoAddonOnce(knex, guildId, childEnv, logger));
  await step('the first report check', async () => {
    const after = await firstReportState(knex, guildId, config.audit.firstReportWaitsFor);
    if (firstReport.state === 'held' && after.state !== 'held') logger.info(`first audit report: ${describeFirstReport(after)} (about ${config.audit.debounceSeconds} s)`);
    else if (after.state === 'held') logger.warn(`first audit report still ${describeFirstReport(after)}; release it with \`npm run cli -- audit release\``);
  });
  logger.info('running; press Ctrl-C to stop everything');
}

/**
 * PostgreSQL: the embedded server under .data, supervised (restarted when it dies), or the user's
 * DATABASE_URL, only watched. Returns the application database's URL.
 */
async function providePostgresSupervised(config: Config, logger: Logger, stack: Stack): Promise<string> {
  if (config.database.url) {
    const url = config.database.url;
    await providePostgres({ databaseUrl: url, dataDir: '', port: 0, logger });
    const stop = watchExternal({
      name: 'PostgreSQL',
      where: describePostgresUrl(url),
      check: () => checkPostgres(url),
      advice: 'it is the DATABASE_URL server, which npm start does not restart: start it again; the API answers 503 until then',
      logger,
    });
    stack.add('postgres', 'PostgreSQL watch', stop);
    return url;
  }
  const pg = superviseEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.database.embeddedPort, logger });
  stack.add('postgres', 'PostgreSQL', () => pg.stop(), () => pg.quiesce());
  await pg.ready;
  return ensureDatabase(pg.url, APP_DATABASE);
}

async function provideTemporal(config: Config, logsDir: string, logger: Logger, stack: Stack): Promise<void> {
  const [host, portText] = config.temporal.address.split(':');
  const local = ['127.0.0.1', 'localhost', '0.0.0.0'].includes(host ?? '');
  if (!local) {
    logger.info({ address: config.temporal.address }, 'using the Temporal server at TEMPORAL_ADDRESS');
    const stop = watchExternal({
      name: 'Temporal',
      where: config.temporal.address,
      check: async () => {
        const r = await probeTemporal(config.temporal.address, config.temporal.namespace);
        return r.ok ? null : r.why;
      },
      advice: 'it is the TEMPORAL_ADDRESS server, which npm start does not restart; the API answers 503 for what needs it until it is back',
      logger,
    });
    stack.add('temporal', 'Temporal watch', stop);
    return;
  }
  const cli = await resolveTemporalCli({ cliPath: config.temporal.cliPath, projectDir: PROJECT_DIR, logger });
  const server = superviseTemporalDevServer({
    cliPath: cli.path,
    port: Number(portText ?? config.temporal.port),
    uiPort: config.temporal.uiPort,
    dbFile: path.join(config.dataDir, 'temporal', 'temporal.sqlite'),
    logFile: path.join(logsDir, 'temporal.log'),
    namespace: config.temporal.namespace,
    logger,
  });
  stack.add('temporal', 'Temporal dev server', () => server.stop(), () => server.quiesce());
  await server.ready;
}

/** Waits for the gateway listener to report itself connected (it writes discord_gateway_status). */
async function waitForListener(knex: Knex, guildId: number, logger: Logger): Promise<'connected' | 'not connected'> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const row = await knex('discord_gateway_status').where({ guild_id: guildId }).first('connected', 'last_heartbeat_at', 'last_error');
    if (row?.connected && Date.now() - new Date(row.last_heartbeat_at).getTime() < 30_000) return 'connected';
    await new Promise((r) => setTimeout(r, 500));
  }
  logger.error('the Discord gateway listener did not connect within 45 s; see its log lines above (and /api/guild-sync/status)');
  return 'not connected';
}

/** Mains of the demo guild, as the players the Discord demo server is built from. */
function playersOf(guild: DemoGuild): DemoPlayer[] {
  return guild.characters.filter((c) => c.isMain).map((c) => ({ name: c.player, mainCharacter: c.name, rank: c.rank }));
}

async function waitForApi(config: Config, logger: Logger): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${config.api.publicUrl}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200 || res.status === 503) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  logger.error({ url: config.api.publicUrl }, 'the API did not answer within 60 s; see its log lines above');
  return false;
}

/** A read + trigger key for the demo, kept in .data so the printed curl commands work. */
async function ensureDemoApiKey(knex: Knex, guildId: number, config: Config): Promise<string> {
  const file = path.join(config.dataDir, 'demo-api-key');
  if (fs.existsSync(file)) return file;
  const { key } = await createApiKey(knex, { guildId, name: 'demo (npm start)', scopes: ['read', 'sync:trigger', 'addon:upload', 'identity:write'] });
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return file;
}

async function needsFirstSync(knex: Knex, guildId: number): Promise<boolean> {
  const done = await knex('sync_runs').where({ guild_id: guildId, kind: 'blizzard_roster', status: 'succeeded' }).first('id');
  return !done;
}

async function firstSync(client: Client, config: Config, logger: Logger): Promise<void> {
  const control = createRosterSyncControl(client, config);
  const run = await control.trigger();
  logger.info({ workflowId: run.workflowId, ui: run.temporalUiUrl }, 'first roster sync started; watch it in the Temporal UI');
  try {
    const result = await client.workflow.getHandle(run.workflowId, run.runId).result();
    logger.info({ counts: result.counts }, `first roster sync ${result.status}`);
  } catch (err) {
    logger.error({ err: (err as Error).message, ui: temporalUiLink(config, run.workflowId, run.runId) }, 'first roster sync failed; open the run in the Temporal UI to see why');
  }
}

/**
 * The demo's officers' sheet, imported once the roster and the Discord members it names are on
 * record: the five officers become persons with their alts and Discord accounts, from the sheet.
 * It takes the path every sheet takes: recorded (sheet_imports), then imported by the sheetImport
 * workflow on Temporal, which asks for the audit after it.
 */
async function importDemoSheetOnce(knex: Knex, client: Client, config: Config, guildId: number, files: { discordIds: string; characters: string }, logger: Logger): Promise<void> {
  if (await sheetImported(knex, guildId)) return;
  try {
    const reconciled = await knex('sync_runs').where({ guild_id: guildId, kind: SYNC_KINDS.discordReconcile, status: 'succeeded' }).first('id');
    if (!reconciled) {
      const run = await createDiscordSyncControl(client, config).trigger();
      await client.workflow.getHandle(run.workflowId, run.runId).result();
    }
    const { importId } = await recordSheetImport(knex, guildId, {
      discordIdsCsv: fs.readFileSync(files.discordIds, 'utf8'),
      charactersCsv: fs.readFileSync(files.characters, 'utf8'),
      dryRun: false,
      by: 'demo sheet (npm start)',
    });
    const run = await createSheetImportControl(client, config).run(importId, { waitMs: 120_000 });
    await setSheetImportWorkflow(knex, importId, run.workflowId);
    const row = await sheetImportById(knex, importId);
    const report = row?.report;
    if (!report) {
      logger.error({ importId, status: row?.status, error: row?.error, ui: run.temporalUiUrl }, 'the demo sheet import did not finish; open it in the Temporal UI, or run it by hand with the "Sheet" command above');
      return;
    }
    logger.info(
      { importId, players: report.players, linksCreated: report.linksCreated, linksConfirmed: report.linksConfirmed, rowsNotUsed: report.problems.length, persons: report.identity?.persons, ui: run.temporalUiUrl },
      `demo sheet imported on Temporal: the officers are persons now (GET /api/identity/persons); ${report.problems.length} rows were reported, as the CLI's dry run shows`,
    );
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'the demo sheet import failed; run it by hand with the "Sheet" command above');
  }
}

/**
 * The demo's first addon upload: the addon exports in "the game" (npm run addon:demo), the
 * companion npm start runs uploads it, and the API imports it on Temporal. Waits until it is
 * imported (the first report waits for it, by default).
 */
async function runDemoAddonOnce(knex: Knex, guildId: number, env: NodeJS.ProcessEnv, logger: Logger): Promise<void> {
  const imported = () => knex('addon_uploads').where({ guild_id: guildId, status: 'imported' }).first('id');
  if (await imported()) return;
  const script = path.join(DIST_DIR, 'scripts', 'addonDemo.js');
  const out: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [script], { cwd: PROJECT_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    child.once('error', () => resolve(null));
    child.once('exit', resolve);
  });
  if (code !== 0) {
    logger.warn({ output: out.join('').trim().slice(-500) }, 'the demo addon export did not run (Lua 5.1 is needed: apt-get install lua5.1); run `npm run addon:demo` by hand');
    return;
  }
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (await imported()) {
      logger.info('demo addon upload imported: the companion uploaded the export and Temporal merged the notes (GET /api/guild-sync/addon-upload/status)');
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  logger.warn('the demo addon export was written, but no upload was imported within 90 s; see the companion and API log lines above');
}

function banner(config: Config): void {
  const line = '='.repeat(78);
  if (config.discord.demo) {
    process.stdout.write(
      `\n${line}\n  DEMO DISCORD: no DISCORD_BOT_TOKEN set.\n` +
        `  The built-in Discord stand-in plays the guild's server (${config.standins.demoDiscordSize} members, roles GM…Initiate);\n` +
        `  the real discord.js client connects to it. Nothing is posted to a real Discord.\n` +
        `  To go live, create a bot and set DISCORD_BOT_TOKEN and DISCORD_GUILD_ID (README: Going live).\n${line}\n`,
    );
  }
  if (config.demo) {
    process.stdout.write(
      `\n${line}\n  DEMO MODE: no BLIZZARD_CLIENT_ID / BLIZZARD_CLIENT_SECRET set.\n` +
        `  The built-in Blizzard stand-in plays the API with a generated demo guild\n` +
        `  "Pull All The Things" (${config.standins.demoGuildSize} members). Nothing here is your real guild.\n` +
        `  To go live, copy .env.example to .env and fill in the Blizzard client (README: Going live).\n${line}\n\n`,
    );
  } else {
    process.stdout.write(`\n${line}\n  LIVE: guild ${config.guild.key} from the Blizzard API at ${config.blizzard.apiUrl}\n${line}\n\n`);
  }
}

function summary(
  config: Config,
  s: {
    schedulePaused: boolean;
    nextRunAt: string | null;
    demoKeyFile: string | null;
    apiUp: boolean;
    discordSchedulePaused: boolean;
    listener: 'connected' | 'not connected';
    discordControlUrl: string | null;
    sheetFiles: { discordIds: string; characters: string } | null;
    auditChannelId: string | null;
    firstReport: FirstReportState;
  },
): void {
  const auth = s.demoKeyFile ? `-H "Authorization: Bearer $(cat ${path.relative(PROJECT_DIR, s.demoKeyFile)})" ` : '-H "Authorization: Bearer <your key>" ';
  process.stdout.write(
    [
      '',
      `  Guild        ${config.guild.key}${config.demo ? '  (DEMO, Blizzard stand-in)' : ''}`,
      `  API          ${config.api.publicUrl}/api   (docs: ${config.api.publicUrl}/api/docs)${s.apiUp ? '' : '  NOT ANSWERING'}`,
      `  Temporal UI  ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/schedules`,
      `  Schedule     roster sync at ${config.rosterSync.hoursUtc.map((h) => `${String(h).padStart(2, '0')}:00`).join(', ')} UTC` +
        (s.schedulePaused ? '  (PAUSED in the Temporal UI)' : `; next ${s.nextRunAt ?? 'unknown'}`),
      `  Discord      server ${config.discord.demo ? '(DEMO, Discord stand-in)' : config.discord.guildId}; gateway listener ${s.listener.toUpperCase()}; ` +
        `reconcile every ${config.discord.reconcileEveryMinutes} min${s.discordSchedulePaused ? ' (PAUSED in the Temporal UI)' : ''}`,
      `  Status       curl ${auth}${config.api.publicUrl}/api/guild-sync/status`,
      `  Sync now     curl -X POST ${auth}${config.api.publicUrl}/api/guild-sync/blizzard/trigger`,
      `  Reconcile    curl -X POST ${auth}${config.api.publicUrl}/api/guild-sync/discord/trigger`,
      `  Persons      curl ${auth}${config.api.publicUrl}/api/identity/persons   (suggestions: ?needs=suggestion)`,
      `  Findings     curl ${auth}${config.api.publicUrl}/api/identity/mismatches   (report now: curl -X POST ${auth}${config.api.publicUrl}/api/guild-sync/report/trigger)`,
      s.discordControlUrl && s.auditChannelId
        ? `  #audit       curl ${s.discordControlUrl}/channels/${s.auditChannelId}/messages   (what the reporter posted to the demo server; first audit ~${config.audit.debounceSeconds} s after the first syncs)`
        : s.auditChannelId
          ? ''
          : '  #audit       PATT_AUDIT_CHANNEL_ID is not set: findings are tracked, nothing is posted (README: Going live)',
 `  1st report   ${firstReportLine(config, s.firstReport, auth, Boolean(s.demoKeyFile))}`,
      s.sheetFiles
        ? `  Sheet        npm run cli -- identity import-sheet --discord-ids ${path.relative(PROJECT_DIR, s.sheetFiles.discordIds)} --characters ${path.relative(PROJECT_DIR, s.sheetFiles.characters)} --dry-run`
        : '',
      s.demoKeyFile ? `  Addon demo   npm run addon:demo   (the addon exports in "the game"; the companion uploads it)` : '',
      s.discordControlUrl
        ? `  Demo join    curl -X POST -H 'Content-Type: application/json' -d '{"username":"newrecruit","roles":[]}' ${s.discordControlUrl}/members`
        : '',
      s.demoKeyFile ? `  Demo key     ${path.relative(PROJECT_DIR, s.demoKeyFile)} (all scopes; made for this demo only)` : '',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n\n',
  );
}

/** The banner's line on the first audit report: held or not, what it waits for, how to release it. */
function firstReportLine(config: Config, f: FirstReportState, auth: string, demo: boolean): string {
  if (f.state !== 'held') return describeFirstReport(f);
  const waits = f.waitingFor.map((w) => (w === 'addon' ? 'the first addon upload' : 'the first sheet import')).join(' and ');
  return (
    `HELD until ${waits}${demo ? ' (the demo runs both after the first syncs)' : ''} (AUDIT_FIRST_REPORT_WAITS_FOR); ` +
    `preview: curl -X POST ${auth}-H 'Content-Type: application/json' -d '{"dryRun":true}' ${config.api.publicUrl}/api/guild-sync/report/trigger; ` +
    `release: curl -X POST ${auth}${config.api.publicUrl}/api/guild-sync/report/release  or  npm run cli -- audit release`
  );
}

/** npm start's own log: pino to stdout, pretty in a terminal, JSON lines otherwise; written synchronously, so the last line before exit is never lost. */
function launcherLogger(config: Config): Logger {
  // No pid/hostname in the base: the supervisor's lines carry the child's pid under that name.
  const options = { base: { name: 'start' }, level: config.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (process.stdout.isTTY) return pino(options, pinoPretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname', sync: true }));
  return pino(options, pino.destination({ fd: 1, sync: true }));
}

/**
 * `npm start` runs us under `sh -c`, and npm passes a SIGTERM or SIGINT on to that shell only; dash
 * dies of it without passing it on, which would leave us (and every child, holding its port)
 * running as an orphan. So the launcher stops, as on SIGTERM, when the process that started it is
 * gone.
 */
function watchParent(stack: Stack): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    void stack.shutdown('SIGTERM', `the process that started npm start (pid ${parent}) is gone, most likely stopped by a signal its shell did not pass on`);
  }, 500);
  timer.unref();
}

/** Stop order: the node children first (they use everything else), then our clients, the stand-ins, Temporal, PostgreSQL. */
const TIERS = ['children', 'clients', 'standins', 'temporal', 'postgres'] as const;
type Tier = (typeof TIERS)[number];
/** Past this the stop is not clean any more: whatever is left is killed with the launcher. */
const STOP_TIMEOUT_MS = 60_000;

/** What npm start started, stopped tier by tier (a tier's parts together) on a signal or a failed start. */
class Stack {
  stopping = false;
  private readonly parts: { tier: Tier; name: string; stop: () => Promise<void>; quiesce?: () => void }[] = [];
  private stopped: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  /** quiesce: called as the stop begins, so a supervised part is not restarted while others stop first. */
  add(tier: Tier, name: string, stop: () => Promise<void>, quiesce?: () => void): void {
    this.parts.push({ tier, name, stop, quiesce });
  }

  stopAll(): Promise<void> {
    for (const p of this.parts) p.quiesce?.();
    this.stopped ??= (async () => {
      for (const tier of TIERS) {
        const parts = this.parts.filter((p) => p.tier === tier);
        await Promise.all(
          parts.map(async (p) => {
            try {
              await p.stop();
            } catch (err) {
              this.logger.warn({ err: errorText(err), part: p.name }, `${p.name} did not stop cleanly`);
            }
          }),
        );
      }
    })();
    return this.stopped;
  }

  /** `why` is the signal, or a sentence when no signal reached us (see watchParent). */
  async shutdown(signal: NodeJS.Signals, why: string = signal): Promise<void> {
    if (this.stopping) {
      this.logger.warn({ signal }, `already stopping (${why} again); waiting for the children to exit`);
      return;
    }
    this.stopping = true;
    this.logger.info({ signal }, `${why}: stopping everything (children, then Temporal, then PostgreSQL)`);
    const timer = setTimeout(() => {
      this.logger.error({ signal }, `everything did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    await this.stopAll();
    clearTimeout(timer);
    this.logger.info({ signal }, why === signal ? `stopped on ${signal}` : 'stopped: the process that started npm start is gone');
    process.exit(0);
  }
}

// Last, so the classes and constants above exist when main() runs.
runMain(main);

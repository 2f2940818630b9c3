import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import { DEMO_DISCORD } from '../config';
import { createKnex, migrateToLatest, type Knex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { providePostgres, dropDatabase, ensureDatabase } from '../scripts/provision/postgres';
import { resolveTemporalCli } from '../scripts/provision/temporalCli';
import { startTemporalDevServer } from '../scripts/provision/temporalDevServer';
import { getFreePort } from '../scripts/provision/waitFor';
import {
  TASK_QUEUES,
  discordReconcileScheduleId,
  discordReconcileWorkflowId,
  rosterSyncScheduleId,
  type DiscordReconcileInput,
  type DiscordReconcileResult,
} from '../workflows/shared';
import type { DiscordStandinStats } from '../standins/discord';
import { peakRssMiB, startProcess, stopProcess } from './processes';

const DIST = path.resolve(__dirname, '..');
const PROJECT = path.resolve(DIST, '..');
/** Live events measured after the two passes, and the pause between them. */
const EVENTS = 100;
const EVENT_GAP_MS = 50;
const POLL_MS = 5;
const EVENT_TIMEOUT_MS = 30_000;

/**
 * The Discord reconcile over N members against the Discord stand-in, with the real worker process
 * (workers/main.js), a real Temporal dev server and PostgreSQL: a first pass (everything new), a
 * second pass (nothing changed, so nothing written), then the gateway listener (gateway/main.js)
 * and the time from a change on the stand-in to the row in PostgreSQL. The stand-in runs in its
 * own process so it does not share an event loop with the worker.
 *
 * `npm run bench -- discord-reconcile [sizes] [events]`, e.g. `discord-reconcile 10000 100`.
 */
export async function discordReconcileBenchmark(args: string[]): Promise<void> {
  const sizes = (args[0] ?? '10000').split(',').map(Number);
  const events = args[1] ? Number(args[1]) : EVENTS;
  const logger = pino({ level: 'warn' });
  const pg = await providePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(PROJECT, '.data', 'bench-postgres'), port: 54349, logger });
  const cli = await resolveTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH, projectDir: PROJECT, logger });
  const temporal = await startTemporalDevServer({ cliPath: cli.path, port: await getFreePort(), headless: true, logFile: path.join(PROJECT, '.data', 'logs', 'bench-temporal.log'), logger });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    for (const size of sizes) await benchOneSize(size, events, { serverUrl: pg.url, temporalAddress: temporal.address, client });
  } finally {
    await connection.close();
    await temporal.stop();
    await pg.stop();
  }
}

interface Ctx {
  serverUrl: string;
  temporalAddress: string;
  client: Client;
}

async function benchOneSize(size: number, eventCount: number, ctx: Ctx): Promise<void> {
  const dbName = `patt_bench_discord_${size}`;
  await dropDatabase(ctx.serverUrl, dbName);
  const databaseUrl = await ensureDatabase(ctx.serverUrl, dbName);
  const knex = createKnex(databaseUrl, { max: 1 });
  await migrateToLatest(knex);

  const nameSlug = `bench-discord-${size}`;
  const guild = { region: 'us', realmSlug: 'senjin', nameSlug };
  const guildKey = `${guild.region}/${guild.realmSlug}/${guild.nameSlug}`;
  const standinPort = await getFreePort();
  const standinUrl = `http://127.0.0.1:${standinPort}`;
  const discordGuildId = DEMO_DISCORD.guildId;
  const common = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PATT_GUILD_REALM_SLUG: guild.realmSlug,
    PATT_GUILD_NAME_SLUG: nameSlug,
    DISCORD_BOT_TOKEN: DEMO_DISCORD.botToken,
    DISCORD_GUILD_ID: discordGuildId,
    DISCORD_API_URL: `${standinUrl}/api`,
  };
  const children: ChildProcess[] = [];
  const print = (figures: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`members=${size} ${k}=${v}\n`);
  };

  try {
    const standinStartedAt = performance.now();
    const standin = await startProcess(
      path.join(DIST, 'standins', 'discord', 'main.js'),
      {
        ...common,
        LOG_LEVEL: 'info',
        STANDIN_DISCORD_PORT: String(standinPort),
        STANDIN_DISCORD_BOT_TOKEN: DEMO_DISCORD.botToken,
        DEMO_DISCORD_SIZE: String(size),
        // The game guild behind the server, so a realistic share of members hold guild roles.
        DEMO_GUILD_SIZE: String(Math.max(10, size)),
      },
      /listening/,
    );
    children.push(standin);
    const standinStartS = (performance.now() - standinStartedAt) / 1000;
    const worker = await startProcess(
      path.join(DIST, 'workers', 'main.js'),
      { ...common, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: ctx.temporalAddress },
      /worker polling/,
    );
    children.push(worker);
    // The worker creates the hourly schedules at start; an hour boundary during the bench must not
    // start a reconcile beside the timed ones.
    for (const id of [discordReconcileScheduleId(guildKey), rosterSyncScheduleId(guildKey)]) {
      await ctx.client.schedule.getHandle(id).pause('benchmark');
    }

    const stats = async (): Promise<DiscordStandinStats> => (await fetch(`${standinUrl}/_standin/stats`)).json() as Promise<DiscordStandinStats>;
    const input: DiscordReconcileInput = { guild, discordGuildId };
    const run = async (label: string) => {
      await fetch(`${standinUrl}/_standin/stats/reset`, { method: 'POST' });
      const started = performance.now();
      const handle = await ctx.client.workflow.start('discordReconcile', {
        workflowId: `bench-discord-${size}-${label}-${Date.now()}`,
        taskQueue: TASK_QUEUES.main,
        args: [input],
      });
      const result = (await handle.result()) as DiscordReconcileResult;
      const wallMs = performance.now() - started;
      if (result.status !== 'succeeded' || !result.counts) throw new Error(`${label} reconcile did not run: ${result.status} ${result.reason ?? ''}`);
      const history = await handle.fetchHistory();
      return { result, counts: result.counts, wallMs, stats: await stats(), historyEvents: history.events?.length ?? 0 };
    };

    print({ standin_start_s: standinStartS.toFixed(2) });

    // ---- First pass: everything is new. ----
    const first = await run('first');
    const rows1 = await tableCounts(knex);
    const rowsInTables = rows1.members + rows1.events + rows1.roles;
    print({
      first_pass_wall_s: (first.wallMs / 1000).toFixed(2),
      first_pass_pages: first.counts.pages,
      first_pass_members_seen: first.counts.members.seen,
      first_pass_members_new: first.counts.members.new,
      first_pass_roles_new: first.counts.roles.new,
      first_pass_events: JSON.stringify(first.counts.events),
      first_pass_rows_written: first.counts.rowsWritten,
      first_pass_rows_in_tables: `${rowsInTables} (members=${rows1.members} events=${rows1.events} roles=${rows1.roles})`,
      first_pass_rows_match: rowsInTables === first.counts.rowsWritten ? 'yes' : 'NO',
      first_pass_members_per_s: (first.counts.members.seen / (first.wallMs / 1000)).toFixed(0),
      first_pass_rest_requests: first.stats.requests,
      first_pass_429: first.stats.status429,
      first_pass_history_events: first.historyEvents,
    });

    // ---- Second pass: nothing changed on Discord, so nothing is written. ----
    const before = await memberWatermarks(knex);
    const second = await run('second');
    const after = await memberWatermarks(knex);
    const rows2 = await tableCounts(knex);
    print({
      second_pass_wall_s: (second.wallMs / 1000).toFixed(2),
      second_pass_pages: second.counts.pages,
      second_pass_members_unchanged: second.counts.members.unchanged,
      second_pass_rows_written: second.counts.rowsWritten,
      second_pass_writes_nothing: second.counts.rowsWritten === 0 ? 'yes' : 'NO',
      second_pass_members_updated_at_unchanged: before.updatedAt === after.updatedAt ? 'yes' : `NO (${before.updatedAt} -> ${after.updatedAt})`,
      second_pass_state_observed_at_unchanged: before.observedAt === after.observedAt ? 'yes' : `NO (${before.observedAt} -> ${after.observedAt})`,
      second_pass_row_counts_unchanged: JSON.stringify(rows1) === JSON.stringify(rows2) ? 'yes' : `NO (${JSON.stringify(rows2)})`,
      second_pass_rest_requests: second.stats.requests,
      second_pass_429: second.stats.status429,
      worker_peak_rss_mib: peakRssMiB(worker.pid!) ?? 'unknown',
    });

    // ---- Live events: change on the stand-in → row in PostgreSQL. ----
    const gatewayStartedAt = performance.now();
    const gateway = await startProcess(
      path.join(DIST, 'gateway', 'main.js'),
      { ...common, LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: ctx.temporalAddress },
      /Discord gateway connected/,
    );
    children.push(gateway);
    const guildId = await ensureGuild(knex, guild);
    await waitFor('the gateway status row to say connected', 30_000, async () => {
      const row = await knex('discord_gateway_status').where({ guild_id: guildId }).first('connected');
      return row?.connected === true;
    });
    const gatewayConnectS = (performance.now() - gatewayStartedAt) / 1000;
    // The listener starts a reconcile on READY; let it finish so it does not compete with the events.
    const startup = await waitForWorkflowResult(ctx.client, discordReconcileWorkflowId(guildKey), 120_000);
    print({
      gateway_connect_s: gatewayConnectS.toFixed(2),
      startup_reconcile_wall_s: ((performance.now() - gatewayStartedAt) / 1000).toFixed(2),
      startup_reconcile_status: startup.status,
      startup_reconcile_rows_written: startup.counts?.rowsWritten ?? 'n/a',
    });

    const latencies = await measureEvents({ standinUrl, guildId, size, eventCount, databaseUrl });
    const all = latencies.all.filter((v): v is number => v !== null);
    const byKind = (k: EventKind) => latencies.byKind[k].filter((v): v is number => v !== null);
    print({
      events: `${latencies.all.length} (joins=${latencies.byKind.join.length} role_changes=${latencies.byKind.roles.length} leaves=${latencies.byKind.leave.length})`,
      events_timed_out: latencies.all.length - all.length,
      event_to_db_p50_ms: pct(all, 50),
      event_to_db_p95_ms: pct(all, 95),
      event_to_db_max_ms: pct(all, 100),
      event_to_db_first_ms: latencies.all[0] === null || latencies.all[0] === undefined ? 'timeout' : latencies.all[0].toFixed(1),
      join_p50_ms: pct(byKind('join'), 50),
      role_change_p50_ms: pct(byKind('roles'), 50),
      leave_p50_ms: pct(byKind('leave'), 50),
      worker_peak_rss_mib_end: peakRssMiB(worker.pid!) ?? 'unknown',
      gateway_peak_rss_mib: peakRssMiB(gateway.pid!) ?? 'unknown',
      standin_peak_rss_mib: peakRssMiB(standin.pid!) ?? 'unknown',
    });
  } finally {
    for (const child of children.reverse()) await stopProcess(child);
    await knex.destroy();
    await dropDatabase(ctx.serverUrl, dbName);
  }
}

async function tableCounts(knex: Knex): Promise<{ members: number; events: number; roles: number }> {
  const count = async (table: string) => Number((await knex(table).count<{ n: string }[]>({ n: '*' }))[0]!.n);
  return { members: await count('discord_members'), events: await count('discord_member_events'), roles: await count('discord_roles') };
}

async function memberWatermarks(knex: Knex): Promise<{ updatedAt: string; observedAt: string }> {
  const row = await knex('discord_members').first(knex.raw('max(updated_at)::text as u'), knex.raw('max(state_observed_at)::text as o'));
  return { updatedAt: String(row?.u), observedAt: String(row?.o) };
}

type EventKind = 'join' | 'roles' | 'leave';

/**
 * Sequential events on the stand-in's control API; for each, the time from the call returning to
 * its effect being visible in PostgreSQL, polled on a dedicated connection. null = timed out.
 */
async function measureEvents(
  opts: { standinUrl: string; guildId: number; size: number; eventCount: number; databaseUrl: string },
): Promise<{ all: (number | null)[]; byKind: Record<EventKind, (number | null)[]> }> {
  const { standinUrl, guildId, eventCount } = opts;
  const db = createKnex(opts.databaseUrl, { min: 1, max: 1 });
  try {
    const server = (await (await fetch(`${standinUrl}/_standin/server`)).json()) as { roles: { id: string; name: string }[] };
    const roleId = (name: string) => {
      const r = server.roles.find((x) => x.name === name);
      if (!r) throw new Error(`the stand-in has no ${name} role`);
      return r.id;
    };
    const raider = roleId('Raider');
    const member = roleId('Member');
    // Present people (not bots) to change and to remove, each used once.
    const present: { discord_user_id: string; role_ids: string[] }[] = await db('discord_members')
      .where({ guild_id: guildId, is_bot: false })
      .whereNull('departed_at')
      .orderBy('id')
      .limit(eventCount * 2)
      .select('discord_user_id', 'role_ids');
    let nextPresent = 0;
    const take = () => {
      const m = present[nextPresent++];
      if (!m) throw new Error('not enough members for the events');
      return m;
    };

    const all: (number | null)[] = [];
    const byKind: Record<EventKind, (number | null)[]> = { join: [], roles: [], leave: [] };
    const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(`${standinUrl}${url}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as unknown) : undefined;
    };

    for (let i = 0; i < eventCount; i += 1) {
      const kind: EventKind = i % 5 < 2 ? 'join' : i % 5 < 4 ? 'roles' : 'leave';
      let t0: number;
      let done: () => Promise<boolean>;
      if (kind === 'join') {
        const joined = (await call('POST', '/_standin/members', {
          username: `benchjoin${i}n${opts.size}`,
          globalName: `Bench Join ${i}`,
          roles: [member],
        })) as { user: { id: string } };
        t0 = performance.now();
        const userId = joined.user.id;
        done = async () => Boolean(await db('discord_members').where({ guild_id: guildId, discord_user_id: userId }).whereNull('departed_at').first('id'));
      } else if (kind === 'roles') {
        const m = take();
        const roles = m.role_ids.includes(raider) ? m.role_ids.filter((r) => r !== raider) : [...m.role_ids, raider];
        await call('PUT', `/_standin/members/${m.discord_user_id}/roles`, { roles });
        t0 = performance.now();
        done = async () => {
          const row = await db('discord_members').where({ guild_id: guildId, discord_user_id: m.discord_user_id }).first('role_ids');
          return Boolean(row && sameSet(row.role_ids as string[], roles));
        };
      } else {
        const m = take();
        await call('DELETE', `/_standin/members/${m.discord_user_id}`);
        t0 = performance.now();
        done = async () => Boolean(await db('discord_members').where({ guild_id: guildId, discord_user_id: m.discord_user_id }).whereNotNull('departed_at').first('id'));
      }
      let latency: number | null = null;
      for (;;) {
        if (await done()) {
          latency = performance.now() - t0;
          break;
        }
        if (performance.now() - t0 > EVENT_TIMEOUT_MS) break;
        await sleep(POLL_MS);
      }
      all.push(latency);
      byKind[kind].push(latency);
      await sleep(EVENT_GAP_MS);
    }
    return { all, byKind };
  } finally {
    await db.destroy();
  }
}

async function waitForWorkflowResult(client: Client, workflowId: string, timeoutMs: number): Promise<DiscordReconcileResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflow.getHandle(workflowId).describe();
      break;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
  return (await client.workflow.getHandle(workflowId).result()) as DiscordReconcileResult;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function pct(values: number[], p: number): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!.toFixed(1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

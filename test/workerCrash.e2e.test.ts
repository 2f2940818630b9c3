import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { DEMO_BLIZZARD_CREDENTIALS } from '../config';
import { generateDemoGuild, startBlizzardStandin, type BlizzardStandin } from '../standins/blizzard';
import { rosterSyncProgressQuery, type RosterSyncInput, type RosterSyncResult } from '../workflows/shared';
import { testKnex } from './db';
import { testTemporalClient } from './temporal';
import { DEFAULT_AUDIT_SETTINGS } from '../core/audit/rules';
import { generateDemoDiscordServer, startDiscordStandin, type DiscordStandin } from '../standins/discord';
import { auditRequestedSignal, type GuildAuditInput } from '../workflows/shared';
import { freshGuild } from './db';
import { BOT_TOKEN } from './discordHarness';

const fixture = path.join(__dirname, 'fixtures', 'workerProcess.js');
const built = path.join(__dirname, '..', 'dist', 'workers', 'createWorkers.js');

function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('worker-ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready: ${stderr}`)));
  });
}

describe('a worker killed in the middle of a roster sync', () => {
  let knex: Knex;
  let standin: BlizzardStandin;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    if (!fs.existsSync(built)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does it)');
    knex = testKnex();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await standin?.close();
    await knex.destroy();
  });

  it('leaves the run to finish on a new worker with exact counts and no duplicates', async () => {
    const guild = generateDemoGuild({ size: 200, seed: 11 });
    guild.slug = `crash-${randomUUID().slice(0, 8)}`;
    standin = await startBlizzardStandin({ guild, ...DEMO_BLIZZARD_CREDENTIALS, port: 0, host: '127.0.0.1', faults: { latencyMs: 60 } });
    const queues = { TQ_MAIN: `crash-main-${randomUUID()}`, TQ_BLIZZARD: `crash-blizzard-${randomUUID()}` };
    const env = {
      ...queues,
      BLIZZARD_URL: standin.url,
      BLIZZARD_CLIENT_ID: DEMO_BLIZZARD_CREDENTIALS.clientId,
      BLIZZARD_CLIENT_SECRET: DEMO_BLIZZARD_CREDENTIALS.clientSecret,
    };
    const first = await startWorkerProcess(env);
    children.push(first);

    const { client, close } = await testTemporalClient();
    try {
      const input: RosterSyncInput = { guild: { region: 'us', realmSlug: 'senjin', nameSlug: guild.slug }, profileBatchSize: 10, blizzardTaskQueue: queues.TQ_BLIZZARD };
      const handle = await client.workflow.start('guildRosterSync', { workflowId: `crash-${randomUUID()}`, taskQueue: queues.TQ_MAIN, args: [input] });

      let progress = await handle.query(rosterSyncProgressQuery);
      for (let i = 0; i < 300 && progress.batchesDone < 3; i++) {
        await new Promise((r) => setTimeout(r, 50));
        progress = await handle.query(rosterSyncProgressQuery);
      }
      expect(progress.batchesDone).toBeGreaterThanOrEqual(3);
      expect(progress.batchesDone).toBeLessThan(progress.batchesTotal);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));

      children.push(await startWorkerProcess(env));
      const result = (await handle.result()) as RosterSyncResult;

      expect(result.status).toBe('succeeded');
      expect(result.counts).toMatchObject({ fetched: 200, new: 200, changed: 0, unchanged: 0, unavailable: 0, gone: 0, events: { join: 200, leave: 0 } });
      const guildRow = await knex('guilds').where({ key: `us/senjin/${guild.slug}` }).first('id');
      expect(await knex('wow_characters').where({ guild_id: guildRow.id }).count('* as n')).toEqual([{ n: 200 }]);
      expect(await knex('roster_events').where({ guild_id: guildRow.id }).count('* as n')).toEqual([{ n: 200 }]);
      expect(await knex('sync_runs').where({ guild_id: guildRow.id }).select('status')).toEqual([{ status: 'succeeded' }]);
    } finally {
      await close();
    }
  }, 120_000);
});

describe('a worker killed in the middle of an audit report', () => {
  let knex: Knex;
  let discord: DiscordStandin;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    knex = testKnex();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await discord?.close();
    await knex.destroy();
  });

  it('resumes the report on a new worker: every part posted once, in order, and every finding told', async () => {
    const server = generateDemoDiscordServer({ size: 20 });
    // Slow posts, so the report is still going when the worker dies.
    discord = await startDiscordStandin({ server, botToken: BOT_TOKEN, port: 0, faults: { latencyMs: 250 } });
    const g = await freshGuild(knex, 'crash-audit');
    await knex('discord_roles').insert({ guild_id: g.id, discord_role_id: '930000000000000003', name: 'Member', guild_rank: 3 });
    // 300 accounts with the Member role and no character: a report of several parts.
    await knex('discord_members').insert(
      Array.from({ length: 300 }, (_, i) => ({ guild_id: g.id, discord_user_id: String(930_000_000_000_100_000n + BigInt(i)), username: `member${String(i).padStart(3, '0')}`, role_ids: ['930000000000000003'], joined_server_at: new Date(Date.now() - 90 * 86_400_000) })),
    );
    const queues = { TQ_MAIN: `crash-audit-main-${randomUUID()}`, TQ_DISCORD: `crash-audit-discord-${randomUUID()}` };
    const env = { ...queues, DISCORD_URL: discord.apiUrl, DISCORD_TOKEN: BOT_TOKEN, AUDIT_CHANNEL_ID: server.auditChannelId };
    const first = await startWorkerProcess(env);
    children.push(first);

    const { client, close } = await testTemporalClient();
    try {
      const input: GuildAuditInput = { guildId: g.id, channelId: server.auditChannelId, debounceSeconds: 0, settings: DEFAULT_AUDIT_SETTINGS, discordTaskQueue: queues.TQ_DISCORD };
      const handle = await client.workflow.signalWithStart('guildAudit', {
        workflowId: `crash-audit-${randomUUID()}`,
        taskQueue: queues.TQ_MAIN,
        args: [input],
        signal: auditRequestedSignal,
        signalArgs: [{ reason: 'test', immediate: true }],
      });
      for (let i = 0; i < 400 && discord.messages(server.auditChannelId).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
      const report = await knex('audit_reports').where({ guild_id: g.id }).first('id', 'messages');
      expect(discord.messages(server.auditChannelId).length).toBeGreaterThanOrEqual(2);
      expect(discord.messages(server.auditChannelId).length).toBeLessThan(report.messages.length);
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));

      children.push(await startWorkerProcess(env));
      await handle.result();

      const posted = discord.messages(server.auditChannelId);
      expect(posted.map((m) => m.content)).toEqual(report.messages.map((m: { content: string }) => m.content));
      expect(await knex('audit_issues').where({ guild_id: g.id }).whereNull('notified_at')).toEqual([]);
      expect(await knex('audit_issues').where({ guild_id: g.id }).count('* as n')).toEqual([{ n: 300 }]);
    } finally {
      await close();
    }
  }, 120_000);
});

/**
 * Test helpers for the API: the real app on the real test database, with a stand-in for the
 * Temporal side (RosterSyncControl), which end-to-end tests cover against a real server.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Knex } from 'knex';
import { loadConfig } from '../config';
import type { Logger } from '../config/logger';
import { createApiKey, type ApiKeyScope } from '../db/operations/apiKeys/createApiKey';
import type { RosterSyncControl, RunningRosterSync, TriggeredRosterSync } from '../temporal/rosterSyncControl';
import type { ScheduleInfo } from '../temporal/schedules';
import type { DiscordSyncControl } from '../temporal/discordSyncControl';
import type { AddonImportControl } from '../temporal/addonImportControl';
import type { AuditControl } from '../temporal/auditControl';
import { freshGuild } from './db';
import { createApp } from '../api/app';
import type { Client } from '@temporalio/client';
import { createAddonImportControl } from '../temporal/addonImportControl';
import type { TaskQueues } from '../workflows/shared';
import type { IdentityControl } from '../temporal/identityControl';
import type { SheetImportControl } from '../temporal/sheetImportControl';
import { createIdentityControl } from '../temporal/identityControl';
import { createSheetImportControl } from '../temporal/sheetImportControl';
import { createAuditControl } from '../temporal/auditControl';
import { createIdentityActivities } from '../activities/identityActivities';

export interface FakeRosterSync extends RosterSyncControl {
  triggerCalls: number;
}

export const TRIGGERED: TriggeredRosterSync = {
  workflowId: 'roster-sync-us-senjin-test',
  runId: 'run-1',
  temporalUiUrl: 'http://localhost:8233/namespaces/default/workflows/roster-sync-us-senjin-test/run-1/history',
  alreadyRunning: false,
};

export const SCHEDULE: ScheduleInfo = {
  scheduleId: 'roster-sync-schedule-us-senjin-test',
  paused: false,
  nextRunAt: '2026-11-25T00:00:00.000Z',
};

/** Answers like a healthy Temporal with nothing running; override any method to change that. */
export function fakeRosterSync(overrides: Partial<RosterSyncControl> = {}): FakeRosterSync {
  const fake: FakeRosterSync = {
    triggerCalls: 0,
    trigger: async () => {
      fake.triggerCalls++;
      return overrides.trigger ? overrides.trigger() : TRIGGERED;
    },
    running: overrides.running ?? (async (): Promise<RunningRosterSync | null> => null),
    schedule: overrides.schedule ?? (async () => SCHEDULE),
  };
  return fake;
}

export const DISCORD_SCHEDULE: ScheduleInfo = {
  scheduleId: 'discord-reconcile-schedule-us-senjin-test',
  paused: false,
  nextRunAt: '2026-11-24T19:00:00.000Z',
};

export interface FakeDiscordSync extends DiscordSyncControl {
  triggerCalls: number;
}

export function fakeDiscordSync(overrides: Partial<DiscordSyncControl> = {}): FakeDiscordSync {
  const fake: FakeDiscordSync = {
    triggerCalls: 0,
    trigger: async () => {
      fake.triggerCalls++;
      return overrides.trigger
        ? overrides.trigger()
        : { workflowId: 'discord-reconcile-us-senjin-test', runId: 'run-d', temporalUiUrl: 'http://localhost:8233/namespaces/default/workflows/discord-reconcile-us-senjin-test/run-d/history' };
    },
    schedule: overrides.schedule ?? (async () => DISCORD_SCHEDULE),
  };
  return fake;
}

export interface FakeAddonImport extends AddonImportControl {
  started: number[];
}

/** Records which uploads the API asked Temporal to import; override start() to fail. */
export function fakeAddonImport(overrides: Partial<AddonImportControl> = {}): FakeAddonImport {
  const fake: FakeAddonImport = {
    started: [],
    start: async (uploadId) => {
      const r = overrides.start ? await overrides.start(uploadId) : { workflowId: `addon-import-test-${uploadId}` };
      fake.started.push(uploadId);
      return r;
    },
  };
  return fake;
}

/** A pino logger whose JSON lines land in `lines`, so tests can read what was logged. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface TestApi {
  app: ReturnType<typeof createApp>;
  server: ReturnType<ReturnType<typeof createApp>['callback']>;
  guild: Awaited<ReturnType<typeof freshGuild>>;
  rosterSync: FakeRosterSync;
  discordSync: FakeDiscordSync;
  addonImport: FakeAddonImport;
  audit: FakeAudit;
  identity: FakeIdentity;
  sheetImport: FakeSheetImport;
  /** Mints a key for this test's guild and returns the raw key. */
  mintKey: (scopes: ApiKeyScope[], name?: string) => Promise<string>;
}

export interface FakeAudit extends AuditControl {
  triggers: number[];
}

/** Records the guilds the API asked Temporal to audit now. */
export function fakeAudit(): FakeAudit {
  const fake: FakeAudit = {
    triggers: [],
    trigger: async (guildId) => {
      fake.triggers.push(guildId);
      return { workflowId: 'audit-us-senjin-test', runId: 'run-a', temporalUiUrl: 'http://localhost:8233/namespaces/default/workflows/audit-us-senjin-test/run-a/history' };
    },
  };
  return fake;
}

export interface FakeIdentity extends IdentityControl {
  requests: string[];
}

/**
 * The identity step without Temporal: the workflow's activity, run in the request (the API's unit
 * tests); the end-to-end tests use the real control on Temporal.
 */
export function fakeIdentity(knex: Knex): FakeIdentity {
  const activities = createIdentityActivities({ knex, logger: pino({ level: 'silent' }) });
  const fake: FakeIdentity = {
    requests: [],
    update: async (guildId, reason) => {
      fake.requests.push(reason);
      const counts = await activities.runIdentityStep({ guildId, after: reason });
      const where = { workflowId: 'identity-us-senjin-test', runId: 'run-i', temporalUiUrl: 'http://localhost:8233/namespaces/default/workflows/identity-us-senjin-test/run-i/history' };
      return { ...where, status: 'done', round: { requestIds: ['r'], reasons: [reason], identity: { status: 'succeeded', ...counts }, audit: { status: 'requested', workflowId: 'audit-us-senjin-test' } } };
    },
  };
  return fake;
}

export interface FakeSheetImport extends SheetImportControl {
  started: number[];
}

/** The sheet import without Temporal: the workflow's activity on the recorded row, run in the request. */
export function fakeSheetImport(knex: Knex): FakeSheetImport {
  const activities = createIdentityActivities({ knex, logger: pino({ level: 'silent' }) });
  const fake: FakeSheetImport = {
    started: [],
    run: async (importId) => {
      fake.started.push(importId);
      const result = await activities.importRecordedSheet({ importId });
      return { workflowId: `sheet-import-test-${importId}`, runId: 'run-s', temporalUiUrl: `http://localhost:8233/namespaces/default/workflows/sheet-import-test-${importId}/run-s/history`, result };
    },
  };
  return fake;
}

/** The app for a guild of its own. */
export async function testApi(
  knex: Knex,
  opts: { rosterSync?: FakeRosterSync; discordSync?: FakeDiscordSync; addonImport?: FakeAddonImport; audit?: FakeAudit; logger?: Logger; label?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<TestApi> {
  const guild = await freshGuild(knex, opts.label ?? 'api');
  const rosterSync = opts.rosterSync ?? fakeRosterSync();
  const discordSync = opts.discordSync ?? fakeDiscordSync();
  const addonImport = opts.addonImport ?? fakeAddonImport();
  const audit = opts.audit ?? fakeAudit();
  const identity = fakeIdentity(knex);
  const sheetImport = fakeSheetImport(knex);
  const app = createApp({
    knex,
    config: loadConfig({ ...process.env, ...opts.env }),
    logger: opts.logger ?? pino({ level: 'silent' }),
    rosterSync,
    discordSync,
    addonImport,
    audit,
    identity,
    sheetImport,
    guildId: guild.id,
  });
  return {
    app,
    server: app.callback(),
    guild,
    rosterSync,
    discordSync,
    addonImport,
    audit,
    identity,
    sheetImport,
    mintKey: async (scopes, name = 'test key') => (await createApiKey(knex, { guildId: guild.id, name, scopes })).key,
  };
}

/**
 * The real app for a guild whose addon imports run on real Temporal workers (the end-to-end addon
 * tests); the roster and Discord controls are fakes, as those tests never touch them.
 */
export function appWithAddonImport(knex: Knex, guild: { id: number; key: string; realmSlug: string; nameSlug: string }, temporal: { client: Client; taskQueues: TaskQueues }) {
  return createApp({
    knex,
    config: loadConfig(process.env),
    logger: pino({ level: 'silent' }),
    rosterSync: fakeRosterSync(),
    discordSync: fakeDiscordSync(),
    addonImport: createAddonImportControl(temporal.client, { guild }, temporal.taskQueues),
    audit: fakeAudit(),
    guildId: guild.id,
  });
}

/**
 * The real app for a guild whose identity steps, sheet imports, addon imports and audit triggers
 * all run on real Temporal workers (the end-to-end tests of the durable paths).
 */
export function appOnTemporal(
  knex: Knex,
  guild: { id: number; key: string; realmSlug: string; nameSlug: string },
  temporal: { client: Client; taskQueues: TaskQueues },
  env: NodeJS.ProcessEnv = {},
) {
  const config = loadConfig({ ...process.env, ...env });
  const cfg = { ...config, guild: { realmSlug: guild.realmSlug, nameSlug: guild.nameSlug, key: guild.key } };
  return createApp({
    knex,
    config: cfg,
    logger: pino({ level: 'silent' }),
    rosterSync: fakeRosterSync(),
    discordSync: fakeDiscordSync(),
    addonImport: createAddonImportControl(temporal.client, cfg, temporal.taskQueues),
    audit: createAuditControl(temporal.client, cfg, temporal.taskQueues),
    identity: createIdentityControl(temporal.client, cfg, temporal.taskQueues),
    sheetImport: createSheetImportControl(temporal.client, cfg, temporal.taskQueues),
    guildId: guild.id,
  });
}

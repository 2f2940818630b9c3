import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { DEMO_BLIZZARD_CREDENTIALS } from '../config';
import { BlizzardClient } from '../integrations/blizzard';
import { generateDemoGuild, startBlizzardStandin, type BlizzardStandin, type Faults } from '../standins/blizzard';
import type { RosterSyncInput, RosterSyncResult } from '../workflows/shared';
import { startTestWorkers, type TestWorkers } from './temporal';

export interface Harness {
  standin: BlizzardStandin;
  blizzard: BlizzardClient;
  workers: TestWorkers;
  input: RosterSyncInput;
  guildKey: string;
  /** Runs one roster sync to the end and returns its result. */
  sync(): Promise<RosterSyncResult>;
  close(): Promise<void>;
}

/** A Blizzard stand-in serving a guild of its own, a client for it, and real workers. */
export async function startHarness(
  knex: Knex,
  opts: { size?: number; faults?: Partial<Faults>; batchSize?: number; clientSecret?: string } = {},
): Promise<Harness> {
  const guild = generateDemoGuild({ size: opts.size ?? 40, seed: 7 });
  guild.slug = `test-${randomUUID().slice(0, 8)}`;
  const standin = await startBlizzardStandin({ guild, ...DEMO_BLIZZARD_CREDENTIALS, faults: opts.faults, port: 0, host: '127.0.0.1' });
  const blizzard = new BlizzardClient({
    apiUrl: standin.url,
    oauthUrl: standin.url,
    clientId: DEMO_BLIZZARD_CREDENTIALS.clientId,
    clientSecret: opts.clientSecret ?? DEMO_BLIZZARD_CREDENTIALS.clientSecret,
    region: 'us',
    ratePerSecond: 100,
    ratePerHour: 36000,
    timeoutMs: 5000,
  });
  const workers = await startTestWorkers({ knex, blizzard });
  const input: RosterSyncInput = {
    guild: { region: 'us', realmSlug: guild.realm.slug, nameSlug: guild.slug },
    profileBatchSize: opts.batchSize ?? 15,
    blizzardTaskQueue: workers.taskQueues.blizzard,
  };
  return {
    standin,
    blizzard,
    workers,
    input,
    guildKey: `us/${guild.realm.slug}/${guild.slug}`,
    sync: () =>
      workers.client.workflow.execute('guildRosterSync', {
        workflowId: `test-roster-${randomUUID()}`,
        taskQueue: workers.taskQueues.main,
        args: [input],
      }) as Promise<RosterSyncResult>,
    async close() {
      await workers.shutdown();
      await standin.close();
    },
  };
}

export async function guildIdOf(knex: Knex, h: Harness): Promise<number> {
  const row = await knex('guilds').where({ key: h.guildKey }).first('id');
  return row.id;
}

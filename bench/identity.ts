import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { planIdentity, type EngineCharacter, type EngineMember, type IdentityInput } from '../core/identity/engine';
import { createKnex, migrateToLatest, type Knex } from '../db/knex';
import { ensureGuild } from '../db/operations/guilds/ensureGuild';
import { runIdentity } from '../db/operations/identity/runIdentity';
import { dropDatabase, ensureDatabase, providePostgres } from '../scripts/provision/postgres';

const PROJECT = path.resolve(__dirname, '..', '..');
const REALMS = ['senjin', 'tichondrius', 'sargeras', 'alterac-mountains', 'bleeding-hollow'];
const SYLLABLES = ['kaz', 'gor', 'tro', 'moon', 'zat', 'añ', 'ña', 'blo', 'od', 'val', 'sho', 'doom', 'ska', 'te', 'lu', 'na', 'ria', 'dí', 'coz', 'thr', 'all', 'ë', 'ri', 'a', 'vor', 'mi', 'to'];

/**
 * A guild as it really is: players with one to four characters, mains' public notes "Main", alts'
 * "Alt of <main>" (or "<main>'s alt"), officer notes "Discord: <handle>" for most players, server
 * nicknames that are the main's name (sometimes without its accents), and Discord visitors.
 */
export function generatedIdentityInput(characters: number, members: number, seed = 7): IdentityInput {
  let state = seed;
  const rnd = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);
  const names = new Set<string>();
  const name = () => {
    for (;;) {
      const n = Array.from({ length: 2 + Math.floor(rnd() * 3) }, () => SYLLABLES[Math.floor(rnd() * SYLLABLES.length)]).join('');
      const cap = n.charAt(0).toUpperCase() + n.slice(1);
      if (cap.length >= 3 && cap.length <= 12 && !names.has(cap)) {
        names.add(cap);
        return cap;
      }
    }
  };
  const chars: EngineCharacter[] = [];
  const accounts: EngineMember[] = [];
  let player = 0;
  while (chars.length < characters) {
    player += 1;
    const handle = `player${player}`;
    const realm = REALMS[Math.floor(rnd() * REALMS.length)]!;
    const main: EngineCharacter = { id: chars.length + 1, name: name(), realmSlug: realm, guildNote: 'Main', officerNote: rnd() < 0.7 ? `Discord: ${handle}` : null, inGuild: true };
    chars.push(main);
    const alts = Math.floor(rnd() * 4);
    for (let a = 0; a < alts && chars.length < characters; a += 1) {
      const note = rnd() < 0.5 ? `Alt of ${main.name}` : `${main.name}'s alt`;
      chars.push({ id: chars.length + 1, name: name(), realmSlug: rnd() < 0.8 ? realm : 'senjin', guildNote: rnd() < 0.85 ? note : null, officerNote: null, inGuild: true });
    }
    if (accounts.length < members) {
      const nick = rnd() < 0.6 ? main.name : rnd() < 0.5 ? main.name.normalize('NFKD').replace(/\p{M}/gu, '') : null;
      accounts.push({ id: accounts.length + 1, username: handle, globalName: `Player ${player}`, nickname: nick, isBot: false, present: true });
    }
  }
  while (accounts.length < members) accounts.push({ id: accounts.length + 1, username: `visitor${accounts.length}`, globalName: null, nickname: null, isBot: false, present: true });
  return { guildRealmSlug: 'senjin', realms: REALMS.map((slug) => ({ slug })), characters: chars, members: accounts, persons: [], links: [] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const print = (figures: Record<string, unknown>) => {
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k}=${v}\n`);
};

/**
 * Times plans of both guilds in alternating rounds, so a noisy neighbour on a shared machine slows
 * both alike; the fastest round is the figure least disturbed by it (as Python's timeit reports).
 */
function timePlans(inputs: IdentityInput[], rounds = 15): { best: number[]; median: number[]; plans: ReturnType<typeof planIdentity>[] } {
  // Warm the JIT and the name caches: a long-running worker plans the same guild many times.
  for (const input of inputs) for (let i = 0; i < 2; i += 1) planIdentity(input);
  const times = inputs.map(() => [] as number[]);
  const plans = inputs.map((input) => planIdentity(input));
  for (let r = 0; r < rounds; r += 1) {
    inputs.forEach((input, i) => {
      const t0 = performance.now();
      planIdentity(input);
      times[i]!.push(performance.now() - t0);
    });
  }
  return { best: times.map((t) => Math.min(...t)), median: times.map(median), plans };
}

/**
 * `npm run bench -- identity [characters] [members]`: the engine in core/ matching 10,000
 * characters against 5,000 Discord members (target < 1 s), the same at twice the size (target:
 * ≤ 2.2× the time), then one identity run on PostgreSQL at the first size (first run: every link
 * written; second run: nothing changed).
 */
export async function identityBenchmark(args: string[]): Promise<void> {
  const characters = Number(args[0] ?? 10_000);
  const members = Number(args[1] ?? 5_000);
  const small = generatedIdentityInput(characters, members);
  const { best, median: med, plans } = timePlans([small, generatedIdentityInput(characters * 2, members * 2)]);
  const count = (p: ReturnType<typeof planIdentity>, status: string, member: boolean) => p.links.filter((l) => l.status === status && (l.memberId !== null) === member).length;
  print({
    characters,
    members,
    plan_best_ms: best[0]!.toFixed(0),
    plan_median_ms: med[0]!.toFixed(0),
    target_ms: 1000,
    persons: plans[0]!.persons.length,
    discord_confirmed: count(plans[0]!, 'confirmed', true),
    discord_suggested: count(plans[0]!, 'suggested', true),
    characters_2x: characters * 2,
    members_2x: members * 2,
    plan_2x_best_ms: best[1]!.toFixed(0),
    plan_2x_median_ms: med[1]!.toFixed(0),
    ratio_2x_best: (best[1]! / best[0]!).toFixed(2),
    ratio_2x_median: (med[1]! / med[0]!).toFixed(2),
    target_ratio: 2.2,
  });
  await identityOnPostgres(small);
}

const ROLE_ID = (rank: number) => `92000000000000000${rank}`;

/**
 * A generated guild in PostgreSQL: characters with ranks and last logins, Discord accounts holding
 * the role of their player's rank (one in twenty a rank off, visitors none), and the guild's roles.
 */
export async function seedGeneratedGuild(knex: Knex, guildId: number, input: IdentityInput): Promise<void> {
  const now = Date.now();
  const rankOf = (id: number) => (id * 7) % 5;
  await knex('discord_roles').insert(['GM', 'Officer', 'Veteran', 'Member', 'Initiate'].map((name, rank) => ({ guild_id: guildId, discord_role_id: ROLE_ID(rank), name, guild_rank: rank })));
  for (let i = 0; i < input.characters.length; i += 2000) {
    await knex('wow_characters').insert(
      input.characters.slice(i, i + 2000).map((c) => ({
        guild_id: guildId,
        blizzard_character_id: c.id,
        name: c.name,
        realm_slug: c.realmSlug,
        guild_note: c.guildNote,
        officer_note: c.officerNote,
        rank: rankOf(c.id),
        last_login_at: new Date(now - ((c.id * 13) % 60) * 86_400_000),
      })),
    );
  }
  const mainOfHandle = new Map<string, number>();
  for (const c of input.characters) {
    const handle = /Discord: (\S+)/.exec(c.officerNote ?? '')?.[1];
    if (handle) mainOfHandle.set(handle, c.id);
  }
  for (let i = 0; i < input.members.length; i += 2000) {
    await knex('discord_members').insert(
      input.members.slice(i, i + 2000).map((m) => {
        const main = mainOfHandle.get(m.username);
        const rank = main === undefined ? null : m.id % 20 === 0 ? (rankOf(main) + 1) % 5 : rankOf(main);
        return { guild_id: guildId, discord_user_id: String(1_045_367_129_850_000_000n + BigInt(m.id)), username: m.username, global_name: m.globalName, nickname: m.nickname, role_ids: rank === null ? [] : [ROLE_ID(rank)] };
      }),
    );
  }
}

async function identityOnPostgres(input: IdentityInput): Promise<void> {
  const logger = pino({ level: 'warn' });
  const pg = await providePostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(PROJECT, '.data', 'bench-postgres'), port: 54349, logger });
  const dbName = 'patt_bench_identity';
  try {
    await dropDatabase(pg.url, dbName);
    const knex = createKnex(await ensureDatabase(pg.url, dbName), { max: 2 });
    try {
      await migrateToLatest(knex);
      const guildId = await ensureGuild(knex, { region: 'us', realmSlug: 'senjin', nameSlug: 'bench-identity' });
      await seedGeneratedGuild(knex, guildId, input);
      const t0 = performance.now();
      const first = await runIdentity(knex, guildId);
      const t1 = performance.now();
      const second = await runIdentity(knex, guildId);
      const t2 = performance.now();
      print({
        db_first_run_ms: (t1 - t0).toFixed(0),
        db_first_links_written: first.linksCreated,
        db_second_run_ms: (t2 - t1).toFixed(0),
        db_second_links_written: second.linksCreated + second.linksChanged + second.linksWithdrawn,
      });
    } finally {
      await knex.destroy();
    }
    await dropDatabase(pg.url, dbName);
  } finally {
    await pg.stop();
  }
}

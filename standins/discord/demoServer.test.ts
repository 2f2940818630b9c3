import { generateDemoGuild } from '../blizzard/demoGuild';
import {
  findRole,
  foldAccents,
  generateDemoDiscordServer,
  joinServer,
  leaveServer,
  setRoles,
  type DemoDiscordMember,
  type DemoDiscordServer,
  type DemoPlayer,
} from './demoServer';
import { snowflakeTime } from './snowflake';

const NOW = Date.UTC(2026, 0, 15);

const humans = (s: DemoDiscordServer) => [...s.members.values()].filter((m) => !m.user.bot);
const byUsername = (s: DemoDiscordServer, name: string) => [...s.members.values()].find((m) => m.user.username === name)!;
const snapshot = (s: DemoDiscordServer) => JSON.stringify({ ...s, members: [...s.members.entries()], departed: [...s.departed.entries()] });

function blizzardPlayers(size = 150): DemoPlayer[] {
  return generateDemoGuild({ size, seed: 1, now: NOW })
    .characters.filter((c) => c.isMain)
    .map((c) => ({ name: c.player, mainCharacter: c.name, rank: c.rank }));
}

describe('generateDemoDiscordServer', () => {
  it('is the same for the same seed and differs for another', () => {
    expect(snapshot(generateDemoDiscordServer({ seed: 4, now: NOW }))).toBe(snapshot(generateDemoDiscordServer({ seed: 4, now: NOW })));
    expect(snapshot(generateDemoDiscordServer({ seed: 5, now: NOW }))).not.toBe(snapshot(generateDemoDiscordServer({ seed: 4, now: NOW })));
  });

  it('has the guild\'s roles, with Initiate held by nobody, and both text channels', () => {
    const s = generateDemoDiscordServer({ now: NOW });
    expect(s.name).toBe('Pull All The Things');
    const everyone = s.roles.find((r) => r.position === 0)!;
    expect(everyone).toMatchObject({ id: s.guildId, name: '@everyone' });
    expect(['GM', 'Officer', 'Veteran', 'Member', 'Initiate'].map((n) => findRole(s, n)?.guildRank)).toEqual([0, 1, 2, 3, 4]);
    expect(s.rankRoleIds).toEqual(['GM', 'Officer', 'Veteran', 'Member', 'Initiate'].map((n) => findRole(s, n)!.id));
    const initiate = findRole(s, 'Initiate')!;
    expect(humans(s).filter((m) => m.roles.includes(initiate.id))).toEqual([]);
    expect(new Set(s.roles.map((r) => r.position)).size).toBe(s.roles.length);
    const text = s.channels.filter((c) => c.type === 0).map((c) => c.name);
    expect(text).toEqual(expect.arrayContaining(['general', 'audit-channel']));
    expect(s.channels.find((c) => c.id === s.auditChannelId)?.name).toBe('audit-channel');
    expect(s.members.get(s.ownerId)?.user.username).toBe('trog');
  });

  it('has the five officers with names that relate to their mains', () => {
    const s = generateDemoDiscordServer({ now: NOW });
    const gm = findRole(s, 'GM')!.id;
    const officer = findRole(s, 'Officer')!.id;
    expect(byUsername(s, 'trog')).toMatchObject({ nick: 'Trogmoon', roles: expect.arrayContaining([gm]), user: { global_name: 'Mike', discriminator: '0' } });
    expect(byUsername(s, 'mito')).toMatchObject({ nick: 'Bloodvalor', roles: expect.arrayContaining([officer]) });
    expect(byUsername(s, 'rocket')).toMatchObject({ nick: 'Zatanna', demo: { mainCharacter: 'Zatañña' } });
    expect(byUsername(s, 'shodoom')).toMatchObject({ nick: null, user: { global_name: 'Shodoom' } });
    expect(byUsername(s, 'skate').nick).toContain('Skatefarm');
    expect(humans(s).filter((m) => m.roles.includes(gm)).map((m) => m.user.username)).toEqual(['trog']);
  });

  it('has the untidy mix a real server has', () => {
    const s = generateDemoDiscordServer({ size: 300, now: NOW });
    const players = humans(s).filter((m) => m.demo?.kind === 'player');
    const styles = new Set(players.map((m) => m.demo!.nameStyle));
    for (const style of ['nick-is-main', 'nick-tagged', 'nick-lowercase', 'global-name-is-main', 'global-name-unrelated', 'no-names'] as const) {
      expect([style, styles.has(style)]).toEqual([style, true]);
    }
    const mostlyMain = players.filter((m) => m.nick === m.demo!.mainCharacter).length / players.length;
    expect(mostlyMain).toBeGreaterThan(0.4);
    const rankIds = new Set(s.rankRoleIds);
    expect(humans(s).some((m) => !m.roles.some((r) => rankIds.has(r)))).toBe(true);
    const formers = humans(s).filter((m) => m.demo?.kind === 'former-guild-member');
    expect(formers.length).toBeGreaterThanOrEqual(2);
    expect(formers.every((m) => m.roles.some((r) => r === s.rankRoleIds[2] || r === s.rankRoleIds[3]))).toBe(true);
    expect(s.departed.size).toBe(2);
  });

  it('has 2–3 bots with four-digit discriminators and managed roles; people have discriminator 0', () => {
    const s = generateDemoDiscordServer({ now: NOW });
    const bots = [...s.members.values()].filter((m) => m.user.bot);
    expect(bots.length).toBeGreaterThanOrEqual(2);
    expect(bots.length).toBeLessThanOrEqual(3);
    expect(bots.map((b) => b.user.id)).toContain(s.botUser.id);
    expect(s.applicationId).toBe(s.botUser.id);
    for (const b of bots) {
      expect(b.user.discriminator).toMatch(/^\d{4}$/);
      const role = s.roles.find((r) => b.roles.includes(r.id))!;
      expect(role).toMatchObject({ managed: true, tags: { bot_id: b.user.id } });
    }
    expect(humans(s).every((m) => m.user.discriminator === '0')).toBe(true);
  });

  it('gives every member a unique 18-digit id from before now, and joined_at before now', () => {
    const s = generateDemoDiscordServer({ size: 2_000, now: NOW });
    const ids = [...s.members.keys()];
    expect(ids).toHaveLength(2_000);
    expect(new Set(ids).size).toBe(2_000);
    expect(ids.every((id) => /^[1-9]\d{17}$/.test(id))).toBe(true);
    expect(ids.every((id) => snowflakeTime(id) < NOW)).toBe(true);
    expect([...s.members.values()].every((m) => Date.parse(m.joined_at) < NOW)).toBe(true);
    const usernames = [...s.members.values()].map((m) => m.user.username);
    expect(new Set(usernames).size).toBe(usernames.length);
  });

  it('scales to 10,000 members, character names still unique', () => {
    const s = generateDemoDiscordServer({ size: 10_000, now: NOW });
    expect(s.members.size).toBe(10_000);
    const mains = [...s.members.values()].flatMap((m) => (m.demo?.mainCharacter ? [m.demo.mainCharacter.toLowerCase()] : []));
    expect(new Set(mains).size).toBe(mains.length);
  });

  it('derives members from the game guild\'s players', () => {
    const players = blizzardPlayers();
    const s = generateDemoDiscordServer({ now: NOW, players });
    expect(s.members.size).toBe(160);
    const fromPlayers = humans(s).filter((m) => m.demo?.kind === 'player');
    const mains = new Set(players.map((p) => p.mainCharacter));
    expect(fromPlayers.every((m) => mains.has(m.demo!.mainCharacter!))).toBe(true);
    // Most players are on Discord (a few never joined); the officers come once, from the fixed list.
    expect(fromPlayers.length).toBeGreaterThan((players.length - 5) * 0.85);
    expect(humans(s).filter((m) => m.demo?.player?.toLowerCase() === 'trog')).toHaveLength(1);
    // The game's Initiate (Zoë) holds no rank role; accents survive or are dropped, never garbled.
    const zoe = fromPlayers.find((m) => m.demo!.mainCharacter === 'Zoë');
    if (zoe) expect(zoe.roles.filter((r) => s.rankRoleIds.includes(r))).toEqual([]);
    for (const m of fromPlayers) {
      if (m.demo!.nameStyle === 'nick-accents-dropped') expect(m.nick).toBe(foldAccents(m.demo!.mainCharacter!));
    }
  });
});

describe('changes', () => {
  it('join, leave and re-join keep the id, drop the roles, and flag the re-join', () => {
    const s = generateDemoDiscordServer({ now: NOW });
    const m: DemoDiscordMember = joinServer(s, { username: 'newbie', roles: [s.rankRoleIds[3]!] }, { now: NOW });
    expect(m.user.id).toMatch(/^\d{18}$/);
    expect(m.joined_at).toBe('2026-01-15T00:00:00.000000+00:00');
    leaveServer(s, m.user.id, NOW);
    expect(s.members.has(m.user.id)).toBe(false);
    const back = joinServer(s, { id: m.user.id, username: 'newbie' });
    expect(back).toMatchObject({ roles: [], flags: 1 });
    expect(s.departed.has(m.user.id)).toBe(false);
  });

  it('refuses unknown roles, @everyone, and unknown members', () => {
    const s = generateDemoDiscordServer({ now: NOW });
    const someone = humans(s)[3]!;
    expect(() => setRoles(s, someone.user.id, ['42'])).toThrow(/unknown role/);
    expect(() => setRoles(s, someone.user.id, [s.guildId])).toThrow(/@everyone/);
    expect(() => setRoles(s, '123456789012345678', [])).toThrow(/not a member/);
  });
});

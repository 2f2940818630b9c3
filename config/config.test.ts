import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, DEMO_BLIZZARD_CREDENTIALS, ENV_VARIABLES, loadConfig } from './index';

describe('loadConfig', () => {
  it('runs the demo with no variables at all', () => {
    const c = loadConfig({});
    expect(c.demo).toBe(true);
    expect(c.blizzard).toMatchObject({ ...DEMO_BLIZZARD_CREDENTIALS, ratePerSecond: 100, ratePerHour: 36000 });
    expect(c.guild).toEqual({ realmSlug: 'senjin', nameSlug: 'pull-all-the-things', key: 'us/senjin/pull-all-the-things' });
    expect(c.rosterSync.hoursUtc).toEqual([0, 6, 12, 18]);
  });

  it('goes live when both Blizzard credentials are set', () => {
    const c = loadConfig({ BLIZZARD_CLIENT_ID: 'id', BLIZZARD_CLIENT_SECRET: 'secret' });
    expect(c.demo).toBe(false);
    expect(c.blizzard.apiUrl).toBe('https://us.api.blizzard.com');
  });

  it('plays Discord with the stand-in until a bot token is set, then needs the server id', () => {
    expect(loadConfig({}).discord).toMatchObject({ demo: true, reconcileEveryMinutes: 60 });
    const live = loadConfig({ DISCORD_BOT_TOKEN: 'token', DISCORD_GUILD_ID: '123456789012345678', PATT_AUDIT_CHANNEL_ID: '223456789012345678' });
    expect(live.discord).toMatchObject({ demo: false, botToken: 'token', guildId: '123456789012345678', auditChannelId: '223456789012345678' });
  });

  it.each([
    [{ DISCORD_BOT_TOKEN: 'token' }, /^Missing DISCORD_GUILD_ID: .*Copy Server ID/],
    [{ DISCORD_GUILD_ID: '#general' }, /^Invalid DISCORD_GUILD_ID: a server id \(digits/],
    [{ PATT_AUDIT_CHANNEL_ID: 'audit-channel' }, /^Invalid PATT_AUDIT_CHANNEL_ID: a channel id/],
    [{ API_PORT: 'abc' }, /^Invalid API_PORT: .*\(got "abc"\)/],
    [{ DATABASE_URL: 'not a url' }, /^Invalid DATABASE_URL: .*use postgres:\/\/user:password@host:5432\/dbname/],
    [{ BLIZZARD_CLIENT_ID: 'only-the-id' }, /^Missing BLIZZARD_CLIENT_SECRET: Blizzard credentials come in pairs/],
    [{ PATT_GUILD_REALM_SLUG: "Sen'jin" }, /^Invalid PATT_GUILD_REALM_SLUG: a realm slug such as senjin/],
    [{ ROSTER_SYNC_HOURS_UTC: '0,6,25' }, /^Invalid ROSTER_SYNC_HOURS_UTC/],
  ])('stops with one line naming the variable for %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('is documented: .env.example lists every variable, each with a comment above it', () => {
    const lines = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8').split('\n');
    for (const name of ENV_VARIABLES) {
      const at = lines.findIndex((l) => l.startsWith(`${name}=`));
      expect({ name, listed: at >= 0 }).toEqual({ name, listed: true });
      const above = lines.slice(0, at).reverse().find((l) => !/^[A-Z_]+=/.test(l));
      expect({ name, commented: Boolean(above?.startsWith('#')) }).toEqual({ name, commented: true });
    }
  });

  it('never repeats a secret in its message', () => {
    const run = () => loadConfig({ DATABASE_URL: 'postgres://u:hunter2@host:5432/db', API_PORT: '0' });
    expect(run).toThrow(/API_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'hunter2-not-a-url' })).toThrow(/"\*\*\*"/);
    expect(() => loadConfig({ DATABASE_URL: 'hunter2-not-a-url' })).not.toThrow(/hunter2/);
  });
});

describe('a process started with bad configuration', () => {
  const api = path.join(__dirname, '..', 'dist', 'api', 'main.js');

  it('prints one line naming the variable, no stack trace, and exits 1', () => {
    if (!fs.existsSync(api)) throw new Error('dist/ is missing: run `npm run build` first (`npm test` does it)');
    const r = spawnSync(process.execPath, [api], { env: { PATH: process.env.PATH, API_PORT: '99999' }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid API_PORT: .*\(got "99999"\)\. /)]);
    expect(r.stdout).toBe('');
  });
});

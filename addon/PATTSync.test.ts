import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAddonExport } from '../core/addon/readAddonExport';
import { parseSavedVariables } from '../core/addon/savedVariables';
import { generateDemoGuild } from '../standins/blizzard/demoGuild';
import { demoScenario, runAddon, toLuaLiteral, type AddonRosterEntry, type AddonScenario } from './harness/runAddon';

/**
 * PATTSync run by the real Lua 5.1 interpreter against the WoW stubs of addon/harness, each test a
 * game session (or several, sharing the SavedVariables file between logins as the game does).
 */

const T0 = 1_764_000_000;
const HOUR = 3600;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pattsync-test-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const svFile = () => path.join(dir, 'WTF', 'Account', 'ACCOUNT', 'SavedVariables', 'PATTSync.lua');
const readExport = () => readAddonExport(fs.readFileSync(svFile()));
const globals = () => parseSavedVariables(fs.readFileSync(svFile()));

const TRICKY: AddonRosterEntry[] = [
  {
    name: 'Trogmoon', // same realm, no suffix, as some clients give it
    rankName: 'Guild Leader',
    rankIndex: 0,
    level: 80,
    className: 'Druid',
    classFile: 'DRUID',
    note: 'Mike |cFFFF0000GM|r',
    officerNote: 'Discord: Trog',
    online: true,
    guid: 'Player-3724-0A1B2C3D',
  },
  {
    name: 'Zatañña-Sargeras',
    rankName: 'Officer',
    rankIndex: 1,
    level: 80,
    className: 'Mage',
    classFile: 'MAGE',
    note: 'Rocket\'s main "Zat" \\ alt of nobody',
    officerNote: 'line one\nline two\r\nthree\ttabbed',
    online: false,
    guid: 'Player-76-09C2CB5D',
    lastOnline: { years: 0, months: 1, days: 2, hours: 5 },
  },
  {
    name: 'Þórr-ZandalarTribe',
    rankName: 'Member',
    rankIndex: 3,
    level: 71,
    className: 'Death Knight',
    classFile: 'DEATHKNIGHT',
    note: 'Alt of Zoë |Hplayer:Zoë|h[Zoë]|h 日本',
    officerNote: '',
    online: false,
    guid: 'Player-1175-00ABCDEF',
    lastOnline: { years: 1, months: 0, days: 0, hours: 0 },
  },
];

function scenario(overrides: Partial<AddonScenario> = {}): AddonScenario {
  return {
    now: T0,
    region: 'US',
    realm: "Sen'jin",
    realmNormalized: 'Senjin',
    faction: 'Horde',
    player: { name: 'Trogmoon', guid: 'Player-3724-0A1B2C3D' },
    guild: { name: 'Pull All The Things', rankName: 'Guild Leader', rankIndex: 0 },
    canViewOfficerNote: true,
    roster: TRICKY,
    commands: ['/pattsync'],
    ...overrides,
  };
}

async function run(s: AddonScenario) {
  const result = await runAddon(s, svFile());
  if (result.exitCode !== 0) throw new Error(`the harness exited ${result.exitCode}:\n${result.stderr}\n${result.chat.join('\n')}`);
  return result;
}

describe('PATTSync exports the roster', () => {
  it('writes a file the companion accepts, with every name and note exactly as the game gave it', async () => {
    const { chat } = await run(scenario());
    expect(chat).toEqual([
      'PATTSync: asking the server for the guild roster...',
      'PATTSync: exported 3 members (officer notes included). Type /reload to write the file for the companion.',
    ]);
    const e = readExport();
    expect(e.addonVersion).toBe('1.0.0');
    expect(e.exportedAt).toBe(T0 + 1); // the server answered one second after the request
    expect(e.guild).toEqual({ name: 'Pull All The Things', realm: "Sen'jin", realmNormalized: 'Senjin', region: 'US', faction: 'Horde' });
    expect(e.exporter).toEqual({ name: 'Trogmoon-Senjin', guid: 'Player-3724-0A1B2C3D', rankIndex: 0, canReadOfficerNotes: true });
    expect(e.members).toEqual([
      {
        name: 'Trogmoon-Senjin',
        guid: 'Player-3724-0A1B2C3D',
        rankName: 'Guild Leader',
        rankIndex: 0,
        level: 80,
        className: 'Druid',
        classFile: 'DRUID',
        note: 'Mike |cFFFF0000GM|r',
        officerNote: 'Discord: Trog',
        online: true,
      },
      {
        name: 'Zatañña-Sargeras',
        guid: 'Player-76-09C2CB5D',
        rankName: 'Officer',
        rankIndex: 1,
        level: 80,
        className: 'Mage',
        classFile: 'MAGE',
        note: 'Rocket\'s main "Zat" \\ alt of nobody',
        officerNote: 'line one\nline two\r\nthree\ttabbed',
        online: false,
        lastOnline: { years: 0, months: 1, days: 2, hours: 5 },
      },
      {
        name: 'Þórr-ZandalarTribe',
        guid: 'Player-1175-00ABCDEF',
        rankName: 'Member',
        rankIndex: 3,
        level: 71,
        className: 'Death Knight',
        classFile: 'DEATHKNIGHT',
        note: 'Alt of Zoë |Hplayer:Zoë|h[Zoë]|h 日本',
        officerNote: '',
        online: false,
        lastOnline: { years: 1, months: 0, days: 0, hours: 0 },
      },
    ]);
    expect(globals().PATTSyncDB).toMatchObject({ schemaVersion: 1, lastExportAt: T0 + 1 });
  });

  it('writes the file as the game does: leading blank line, TAB indents, -- [n] list items, \\n escapes, raw UTF-8', async () => {
    await run(scenario());
    const bytes = fs.readFileSync(svFile());
    const text = bytes.toString('utf8');
    expect(text.startsWith('\nPATTSyncDB = {\n\t[')).toBe(true);
    expect(text.endsWith('\n}\n')).toBe(true);
    const lines = text.split('\n').slice(1, -1);
    for (const line of lines) expect(line).toMatch(/^\t*(\[("[^"]*"|\d+)\] = |\{$|\}|"|\d|true|false|PATTSyncDB = \{$)/);
    expect(lines.some((l) => / {2}/.test(l.replace(/"(?:[^"\\]|\\.)*"/g, '')))).toBe(false); // no space indents
    expect(text).toContain('\t\t\t}, -- [1]\n');
    expect(text).toContain('\t\t\t}, -- [3]\n');
    expect(text).toContain('["officerNote"] = "line one\\nline two\\r\\nthree\ttabbed",');
    expect(text).toContain('["note"] = "Rocket\'s main \\"Zat\\" \\\\ alt of nobody",');
    expect(text).toContain('["lastExportAt"] = 1764000001,');
    expect(bytes.includes(Buffer.from('Zatañña-Sargeras', 'utf8'))).toBe(true);
    expect(text).not.toMatch(/\\2\d\d/); // no decimal escapes for UTF-8 bytes
  });

  it('exports the demo guild whole, realm suffixes added to same-realm names', async () => {
    const guild = generateDemoGuild({ size: 80, seed: 7, now: T0 * 1000 });
    const s = demoScenario(guild.characters, { now: T0 });
    expect(s.roster.some((m) => !m.name.includes('-'))).toBe(true); // the test means something
    const { chat } = await run(s);
    expect(chat[1]).toBe('PATTSync: exported 80 members (officer notes included). Type /reload to write the file for the companion.');
    const e = readExport();
    expect(e.members).toHaveLength(80);
    expect(e.members.every((m) => /^[^-]+-[^-\s]+$/.test(m.name))).toBe(true);
    expect(e.members.map((m) => m.name)).toEqual(guild.characters.map((c) => `${c.name}-${c.realm.name.replace(/[\s'-]/g, '')}`));
    const zat = e.members.find((m) => m.name === 'Zatañña-Sargeras');
    expect(zat).toMatchObject({ rankName: 'Officer', rankIndex: 1, note: 'Main', officerNote: 'Discord: Rocket', classFile: 'MAGE' });
    const trogtotem = e.members.find((m) => m.name === 'Trogtotem-Senjin');
    expect(trogtotem?.note).toBe('Alt of Trogmoon');
    // The notes people really type come through byte for byte.
    for (const [i, m] of e.members.entries()) {
      expect(m.note).toBe(s.roster[i]!.note);
      expect(m.officerNote).toBe(s.roster[i]!.officerNote);
    }
    expect(e.members.some((m) => m.note.includes('"'))).toBe(true);
    expect(e.members.some((m) => m.officerNote?.includes('\\'))).toBe(true);
    expect(e.members.some((m) => m.officerNote?.includes('\n'))).toBe(true);
    expect(e.members.some((m) => m.note.includes('Zatañña'))).toBe(true);
    expect(e.members.filter((m) => !m.online).every((m) => m.lastOnline !== undefined)).toBe(true);
  });

  it('appends the normalized realm to same-realm names, and maps the region', async () => {
    await run(
      scenario({
        region: 'EU',
        realm: 'Zandalar Tribe',
        realmNormalized: 'ZandalarTribe',
        player: { name: 'Kazgor', guid: 'Player-1175-0000BEEF' },
        guild: { name: 'Ashes', rankName: 'Officer', rankIndex: 1 },
        roster: [{ ...TRICKY[0]!, name: 'Kazgor', guid: 'Player-1175-0000BEEF' }, TRICKY[2]!],
      }),
    );
    const e = readExport();
    expect(e.members.map((m) => m.name)).toEqual(['Kazgor-ZandalarTribe', 'Þórr-ZandalarTribe']);
    expect(e.exporter.name).toBe('Kazgor-ZandalarTribe');
    expect(e.guild.region).toBe('EU');
  });

  it('leaves officer notes out, and says so, when the player may not read them', async () => {
    const { chat } = await run(
      scenario({
        canViewOfficerNote: false,
        player: { name: 'Zoë', guid: 'Player-3724-0000AAAA' },
        guild: { name: 'Pull All The Things', rankName: 'Member', rankIndex: 3 },
      }),
    );
    expect(chat).toContain('PATTSync: exported 3 members (officer notes not readable by Member). Type /reload to write the file for the companion.');
    const e = readExport();
    expect(e.exporter).toMatchObject({ name: 'Zoë-Senjin', rankIndex: 3, canReadOfficerNotes: false });
    expect(e.members.every((m) => !('officerNote' in m))).toBe(true);
    expect(fs.readFileSync(svFile(), 'utf8')).not.toContain('officerNote');
  });
});

describe('PATTSync waits for the roster', () => {
  it('exports nothing before GUILD_ROSTER_UPDATE arrives, then exports when it does', async () => {
    // The server is slow: 8 s. The session ends (reload) after 5 s.
    const early = await run(scenario({ rosterUpdate: { afterSeconds: 8 }, settleSeconds: 5 }));
    expect(early.chat).toEqual(['PATTSync: asking the server for the guild roster...']);
    expect(globals().PATTSyncDB).toBeNull();
    expect(() => readExport()).toThrow(/type \/pattsync in the game, then \/reload/);

    const late = await run(scenario({ rosterUpdate: { afterSeconds: 8 }, commands: ['/pattsync', { text: '/pattsync status', afterSeconds: 3 }] }));
    expect(late.chat).toEqual([
      'PATTSync: asking the server for the guild roster...',
      'PATTSync: no export yet. Type /pattsync, then /reload so the game writes the file for the companion.',
      'PATTSync: waiting for the guild roster from the server.',
      'PATTSync: exported 3 members (officer notes included). Type /reload to write the file for the companion.',
    ]);
    expect(readExport().exportedAt).toBe(T0 + 8);
  });

  it('does not export on a roster update it did not ask for, but takes one that comes while it waits', async () => {
    const idle = await run(scenario({ commands: [], unrequestedRosterUpdatesAt: [1, 5, 30] }));
    expect(idle.chat).toEqual([]);
    expect(globals().PATTSyncDB).toBeNull();

    // Asked at 0 s; the server never answers, but the roster updates on its own at 4 s (a member logs in).
    const { chat } = await run(scenario({ rosterUpdate: 'never', unrequestedRosterUpdatesAt: [4] }));
    expect(chat[1]).toMatch(/^PATTSync: exported 3 members/);
    expect(readExport().exportedAt).toBe(T0 + 4);
  });

  it('says so when no roster comes, and writes nothing', async () => {
    const { chat } = await run(scenario({ rosterUpdate: 'never' }));
    expect(chat).toEqual([
      'PATTSync: asking the server for the guild roster...',
      'PATTSync: no guild roster arrived from the server within 15 seconds, so nothing was exported. The server answers one roster request every 10 seconds or so: type /pattsync again in a moment.',
    ]);
    expect(globals().PATTSyncDB).toBeNull();
  });

  it('times out when the server swallows a request made too soon, and the next try works', async () => {
    const { chat } = await run(
      scenario({
        commands: ['/pattsync force', { text: '/pattsync force', afterSeconds: 3 }, { text: '/pattsync force', afterSeconds: 20 }],
      }),
    );
    expect(chat.filter((l) => l.startsWith('PATTSync: exported'))).toHaveLength(2);
    expect(chat).toContain(
      'PATTSync: no guild roster arrived from the server within 15 seconds, so nothing was exported. The server answers one roster request every 10 seconds or so: type /pattsync again in a moment.',
    );
    expect(readExport().exportedAt).toBe(T0 + 1 + 3 + 20);
  });
});

describe('PATTSync throttles exports', () => {
  it('refuses a second /pattsync within 4 hours, keeps the export, and /pattsync force overrides', async () => {
    await run(scenario());
    const first = readExport();

    const changed = TRICKY.map((m) => ({ ...m, note: `${m.note} (changed)` }));
    const again = await run(scenario({ now: T0 + HOUR, roster: changed }));
    expect(again.chat).toEqual([
      'PATTSync: the last export was 59 min ago; the next is allowed in 3 h 1 min (at 20:00). Type /pattsync force to export now anyway.',
    ]);
    expect(readExport()).toEqual(first);

    const forced = await run(scenario({ now: T0 + HOUR, roster: changed, commands: ['/pattsync force'] }));
    expect(forced.chat[1]).toMatch(/^PATTSync: exported 3 members/);
    const second = readExport();
    expect(second.exportedAt).toBe(T0 + HOUR + 1);
    expect(second.members[0]!.note).toBe('Mike |cFFFF0000GM|r (changed)');

    const status = await run(scenario({ now: T0 + 2 * HOUR, roster: changed, commands: ['/pattsync status'] }));
    expect(status.chat).toEqual([
      'PATTSync: last export 2025-11-24 17:00 (59 min ago): 3 members of Pull All The Things, officer notes included.',
      'PATTSync: the next /pattsync is allowed in 3 h 1 min; /pattsync force skips the wait.',
    ]);

    // Four hours after the last export, a plain /pattsync works again.
    const later = await run(scenario({ now: T0 + 5 * HOUR + 1, commands: ['/pattsync'] }));
    expect(later.chat[1]).toMatch(/^PATTSync: exported 3 members/);
    expect(readExport().exportedAt).toBe(T0 + 5 * HOUR + 2);
  });
});

describe('PATTSync refuses where the game hides roster data', () => {
  const keepsPrevious = async (s: Partial<AddonScenario>, reason: RegExp) => {
    await run(scenario());
    const before = readExport();
    const { chat } = await run(scenario({ now: T0 + 10 * HOUR, roster: TRICKY.slice(0, 1), commands: ['/pattsync force'], ...s }));
    const refusal = chat.find((l) => l.startsWith('PATTSync: not exporting'));
    expect(refusal).toMatch(reason);
    expect(refusal).toContain('your previous export is kept');
    expect(chat.some((l) => l.startsWith('PATTSync: exported'))).toBe(false);
    expect(readExport()).toEqual(before);
  };

  it('in a raid instance', () => keepsPrevious({ inRaid: true }, /not exporting: you are in a raid instance\. WoW 12\.0 hides guild roster details/));
  it('in Mythic+', () => keepsPrevious({ mythicPlus: true }, /not exporting: you are in a Mythic\+ dungeon\./));
  it('during a boss encounter (addon restriction)', () =>
    keepsPrevious({ restrictions: ['Encounter'] }, /not exporting: you are in a boss encounter\./));
  it('when roster values are secret', () =>
    keepsPrevious({ secretRoster: true }, /not exporting: the game is hiding guild roster details from addons right now \(WoW 12\.0 "secret values"/));
  it('when a single value of one member is secret', () =>
    keepsPrevious({ roster: [TRICKY[0]!, { ...TRICKY[1]!, secret: ['officerNote'] }] }, /"secret values"/));

  it('says the character is not in a guild', async () => {
    const { chat } = await run(scenario({ guild: null }));
    expect(chat).toEqual(['PATTSync: this character is not in a guild, so there is no roster to export.']);
    expect(globals().PATTSyncDB).toBeNull();
  });
});

describe('the harness', () => {
  it('fails a run when the addon leaks a global or raises a Lua error', async () => {
    const addon = path.join(dir, 'PATTSync');
    fs.mkdirSync(addon);
    fs.writeFileSync(path.join(addon, 'PATTSync.toc'), '## Interface: 120105\n## SavedVariables: PATTSyncDB\n\nPATTSync.lua\n');
    fs.writeFileSync(
      path.join(addon, 'PATTSync.lua'),
      'helper = 1\nSLASH_X1 = "/x"\nSlashCmdList.X = function() local t = nil; return t.boom end\n',
    );
    const saved = process.env.PATTSYNC_ADDON_DIR;
    process.env.PATTSYNC_ADDON_DIR = addon;
    try {
      const leak = await runAddon(scenario({ commands: [] }), svFile());
      expect(leak.exitCode).toBe(3);
      expect(leak.stderr).toContain('the addon created globals of its own: helper');
      const boom = await runAddon(scenario({ commands: ['/x'] }), svFile());
      expect(boom.exitCode).toBe(2);
      expect(boom.stderr).toMatch(/Lua error in \/x: .*attempt to index local 't'/);
    } finally {
      if (saved === undefined) delete process.env.PATTSYNC_ADDON_DIR;
      else process.env.PATTSYNC_ADDON_DIR = saved;
    }
  });

  it('says how to install Lua when the interpreter is missing', async () => {
    const saved = process.env.LUA_BIN;
    process.env.LUA_BIN = path.join(dir, 'no-such-lua5.1');
    try {
      await expect(runAddon(scenario(), svFile())).rejects.toThrow('not found: apt-get install lua5.1');
    } finally {
      if (saved === undefined) delete process.env.LUA_BIN;
      else process.env.LUA_BIN = saved;
    }
  });

  it('writes Lua literals with quotes, backslashes, control characters and UTF-8 intact', () => {
    expect(toLuaLiteral({ a: 'x"y\\z\n\u0001ñ', list: [1, 2.5, true], skip: undefined, none: null })).toBe(
      '{["a"] = "x\\"y\\\\z\\n\\001ñ", ["list"] = {1, 2.5, true}}',
    );
    expect(() => toLuaLiteral({ n: Number.NaN })).toThrow('value.n: Lua has no literal for NaN');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import type { DemoGuild } from '../standins/blizzard/demoGuild';
import type { DemoDiscordServer } from '../standins/discord/demoServer';

/** The officers, as the guild's hand-kept sheet names them (Discord name → their server username). */
const OFFICERS = [
  { discordName: 'Trog', username: 'trog' },
  { discordName: 'Mito', username: 'mito' },
  { discordName: 'Rocket', username: 'rocket' },
  { discordName: 'Shodoom', username: 'shodoom' },
  { discordName: 'Skate', username: 'skate' },
];

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (rows: string[][]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

/**
 * The demo guild's Google Sheet, as the officers would export it: DiscordIDs (the officers' Discord
 * user ids on the demo server) and Characters (their mains and alts on the demo roster, with class,
 * spec and role), plus the rows hand-kept sheets really have, which the import reports by number:
 * a cell naming two accounts, the text `None`, full-width brackets.
 */
export function demoSheet(guild: DemoGuild, server: DemoDiscordServer): { discordIdsCsv: string; charactersCsv: string } {
  const ids: string[][] = [['Discord Name', 'Discord ID']];
  const chars: string[][] = [['Discord Name', 'Character', 'Class', 'Spec', 'Role', 'Main/Alt']];
  for (const o of OFFICERS) {
    const member = [...server.members.values()].find((m) => m.user.username === o.username);
    if (!member) continue;
    ids.push([o.discordName, member.user.id]);
    const theirs = guild.characters.filter((c) => c.player === o.discordName && c.inGuild).sort((a, b) => Number(b.isMain) - Number(a.isMain));
    for (const c of theirs) {
      const realm = c.realm.name.replace(/[\s']/g, '');
      chars.push([o.discordName, `${c.name}-${realm}`, c.className, c.activeSpec, roleOf(c.activeSpec), c.isMain ? 'Main' : 'Alt']);
    }
  }
  ids.push(['Doublefly/Tickelly#7263', '186455217749491713'], ['None', '333418095517319168']);
  chars.push(['Doublefly/Tickelly#7263', 'Doublefly', 'Warlock', 'Affliction', 'DPS', 'Main'], ['None', 'Grimlock', 'Warrior', 'Fury', 'DPS', 'Main'], ['【PATT】Skate', 'Skatebank', 'Mage', 'Frost', 'DPS', 'Alt']);
  return { discordIdsCsv: csv(ids), charactersCsv: csv(chars) };
}

function roleOf(spec: string): string {
  if (/protection|blood|guardian|brewmaster|vengeance/i.test(spec)) return 'Tank';
  if (/restoration|holy|discipline|mistweaver|preservation/i.test(spec)) return 'Healer';
  return 'DPS';
}

/** Writes the demo sheet under .data/demo-sheet/, where the README's CLI example reads it. */
export function writeDemoSheet(dataDir: string, sheet: { discordIdsCsv: string; charactersCsv: string }): { discordIds: string; characters: string } {
  const dir = path.join(dataDir, 'demo-sheet');
  fs.mkdirSync(dir, { recursive: true });
  const files = { discordIds: path.join(dir, 'DiscordIDs.csv'), characters: path.join(dir, 'Characters.csv') };
  fs.writeFileSync(files.discordIds, sheet.discordIdsCsv);
  fs.writeFileSync(files.characters, sheet.charactersCsv);
  return files;
}

import type { AddonExport, AddonMember } from '../core/addon/exportSchema';

/**
 * A PATTSync SavedVariables file in the game's format (leading blank line, TABs, `["key"] = value,`,
 * `-- [n]` after list items, `\\`, `\"` and `\n` escaped, raw UTF-8), for benchmarks of any size.
 */
export function savedVariablesText(exp: AddonExport, lastExportAt = exp.exportedAt): string {
  const out: string[] = ['\nPATTSyncDB = '];
  write(out, { schemaVersion: 1, lastExportAt, lastExport: exp }, 0);
  out.push('\n');
  return out.join('');
}

const quote = (s: string) => `"${s.replace(/[\\"\n\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r' })[c]!)}"`;

function write(out: string[], value: unknown, depth: number): void {
  if (typeof value === 'string') out.push(quote(value));
  else if (typeof value === 'number' || typeof value === 'boolean') out.push(String(value));
  else if (Array.isArray(value)) {
    out.push('{\n');
    value.forEach((v, i) => {
      out.push('\t'.repeat(depth + 1));
      write(out, v, depth + 1);
      out.push(`, -- [${i + 1}]\n`);
    });
    out.push(`${'\t'.repeat(depth)}}`);
  } else if (value && typeof value === 'object') {
    out.push('{\n');
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out.push(`${'\t'.repeat(depth + 1)}[${quote(k)}] = `);
      write(out, v, depth + 1);
      out.push(',\n');
    }
    out.push(`${'\t'.repeat(depth)}}`);
  }
}

const CLASSES: [string, string][] = [['Warrior', 'WARRIOR'], ['Mage', 'MAGE'], ['Druid', 'DRUID'], ['Death Knight', 'DEATHKNIGHT'], ['Evoker', 'EVOKER'], ['Priest', 'PRIEST']];
const NAMES = ['Zatañña', 'Dícoz', 'Dìcoz', 'Kazgor', 'Trogmoon', 'Shodoom', 'Skatefarm', 'Bloodvalor', 'Mïstwalker', 'Thrall'];
const REALMS = ['Senjin', 'Sargeras', 'ZandalarTribe', 'Quelthalas', 'AlteracMountains'];

/** An export of `size` members whose notes carry quotes, backslashes, newlines and colour codes. */
export function generatedExport(size: number, exportedAt = 1_764_000_000): AddonExport {
  const members: AddonMember[] = [];
  for (let i = 0; i < size; i += 1) {
    const [className, classFile] = CLASSES[i % CLASSES.length]!;
    members.push({
      name: `${NAMES[i % NAMES.length]}${i}-${REALMS[i % REALMS.length]}`,
      guid: `Player-${3000 + (i % 500)}-${(0x09c2cb5d + i).toString(16).toUpperCase().padStart(8, '0')}`,
      rankName: ['Guild Leader', 'Officer', 'Veteran', 'Member', 'Initiate'][i % 5]!,
      rankIndex: i % 5,
      level: 70 + (i % 11),
      className,
      classFile,
      note: i % 3 === 0 ? `Main of "player${i}" \\ |cFFFF0000raid|r` : `Alt of player${i - 1}`,
      officerNote: i % 4 === 0 ? `Discord: player${i}\nsecond line` : `Discord: player${i}`,
      online: i % 7 === 0,
      ...(i % 7 === 0 ? {} : { lastOnline: { years: 0, months: i % 3, days: i % 28, hours: i % 24 } }),
    });
  }
  return {
    addonVersion: '1.0.0',
    exportedAt,
    guild: { name: 'Pull All The Things', realm: "Sen'jin", realmNormalized: 'Senjin', region: 'US', faction: 'Horde' },
    exporter: { name: 'Trogmoon-Senjin', guid: 'Player-3724-0A1B2C3D', rankIndex: 0, canReadOfficerNotes: true },
    members,
  };
}

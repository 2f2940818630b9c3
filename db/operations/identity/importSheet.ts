import type { Knex } from 'knex';
import type { Evidence } from '../../../core/identity/matching';
import { RealmIndex } from '../../../core/identity/names';
import { parseSheet, resolveSheet, type SheetPlayer, type SheetProblem } from '../../../core/identity/sheet';
import { decideLink, describeTarget, IdentityConflict, type Target } from './officerDecisions';
import { lockIdentity, runIdentityIn, type IdentityRunCounts } from './runIdentity';

export interface SheetImportReport {
  dryRun: boolean;
  players: number;
  personsCreated: number;
  personsUpdated: number;
  linksCreated: number;
  linksConfirmed: number;
  linksUnchanged: number;
  /** Rows whose link officers already decided otherwise: left as the officers had them. */
  conflicts: { sheet: 'DiscordIDs' | 'Characters'; row: number; reason: string }[];
  /** Every row the import could not use, with its row number and why. */
  problems: SheetProblem[];
  identity: IdentityRunCounts | null;
}

/** Rolls the transaction back after a dry run has counted what it would change. */
class DryRunDone extends Error {
  constructor(readonly report: SheetImportReport) {
    super('dry run');
  }
}

/**
 * The officers' Google Sheet (DiscordIDs and Characters tabs, as CSV) into persons and confirmed
 * links with source "sheet". Officers' word: automation never changes them. Idempotent: a second
 * import of the same sheet changes nothing. A link officers already placed elsewhere is reported as
 * a conflict, never overwritten. A dry run does all the work in a transaction and rolls it back,
 * so it reports exactly what a real import would change.
 */
export async function importSheet(
  knex: Knex,
  guildId: number,
  input: { discordIdsCsv: string; charactersCsv: string; dryRun: boolean; by: string },
): Promise<SheetImportReport> {
  const parsed = parseSheet(input); // a file that is not the sheet throws before anything is read
  try {
    return await knex.transaction(async (trx) => {
      await lockIdentity(trx, guildId);
      const guild = await trx('guilds').where({ id: guildId }).first('realm_slug');
      const characters = await trx('wow_characters').where({ guild_id: guildId }).select('id', 'name', 'realm_slug', 'realm_name', 'in_guild');
      const members = await trx('discord_members').where({ guild_id: guildId }).whereNull('departed_at').select('id', 'discord_user_id');
      const realms = new RealmIndex(characters.map((c) => ({ slug: c.realm_slug, name: c.realm_name })));
      const { players, problems } = resolveSheet(parsed, {
        characters: characters.filter((c) => c.in_guild).map((c) => ({ id: c.id, name: c.name, realmSlug: c.realm_slug })),
        members: members.map((m) => ({ id: m.id, discordUserId: m.discord_user_id })),
        realms,
        guildRealmSlug: guild.realm_slug,
      });

      const report: SheetImportReport = { dryRun: input.dryRun, players: players.length, personsCreated: 0, personsUpdated: 0, linksCreated: 0, linksConfirmed: 0, linksUnchanged: 0, conflicts: [], problems, identity: null };
      for (const player of players) await importPlayer(trx, guildId, player, input.by, report);
      report.identity = await runIdentityIn(trx, guildId);
      if (input.dryRun) throw new DryRunDone(report);
      return report;
    });
  } catch (err) {
    if (err instanceof DryRunDone) return err.report;
    throw err;
  }
}

async function importPlayer(trx: Knex.Transaction, guildId: number, player: SheetPlayer, by: string, report: SheetImportReport): Promise<void> {
  const member: Target = { characterId: null, memberId: player.memberId };
  const targets: { target: Target; sheet: 'DiscordIDs' | 'Characters'; row: number; text: string }[] = [
    { target: member, sheet: 'DiscordIDs', row: player.rows[0] ?? 0, text: `DiscordIDs row ${player.rows[0]}: ${player.discordName} is Discord user ${player.discordUserId}` },
    ...player.characters.map((c) => ({
      target: { characterId: c.characterId, memberId: null },
      sheet: 'Characters' as const,
      row: c.row,
      text: `Characters row ${c.row}: ${player.discordName} plays ${c.name}-${c.realmSlug}${c.isMain ? ' (main)' : c.isMain === false ? ' (alt)' : ''}${[c.className, c.spec, c.role].some(Boolean) ? `, ${[c.className, c.spec, c.role].filter(Boolean).join(' ')}` : ''}`,
    })),
  ];

  // The person: the one the account is already in, else the main's; never an alt's, which may be
  // someone else's person by an officer's word (the alt is then reported as a conflict).
  let personId: number | undefined;
  for (const t of [member, ...(player.mainCharacterId ? [{ characterId: player.mainCharacterId, memberId: null }] : [])]) {
    const held = await trx('identity_links')
      .where({ guild_id: guildId, status: 'confirmed', ...(t.characterId !== null ? { wow_character_id: t.characterId } : { discord_member_id: t.memberId }) })
      .first('person_id');
    if (held) {
      personId = held.person_id;
      break;
    }
  }
  if (personId === undefined) {
    const [p] = await trx('persons').insert({ guild_id: guildId, display_name: player.discordName, main_character_id: player.mainCharacterId, named_by: by }).returning('id');
    personId = p.id as number;
    report.personsCreated += 1;
  } else {
    const changed = await trx('persons')
      .where({ id: personId })
      .where((q) => {
        q.whereNot('display_name', player.discordName).orWhereNull('named_by');
        if (player.mainCharacterId) q.orWhereRaw('main_character_id IS DISTINCT FROM ?', [player.mainCharacterId]);
      })
      .update({ display_name: player.discordName, ...(player.mainCharacterId ? { main_character_id: player.mainCharacterId } : {}), named_by: by, updated_at: trx.fn.now() });
    if (changed > 0) report.personsUpdated += 1;
  }

  for (const t of targets) {
    const evidence: Evidence = { rule: 'sheet_row', source: 'sheet', weight: 1, text: t.text, fuzzy: false };
    const before = await trx('identity_links')
      .where({ guild_id: guildId, person_id: personId, ...(t.target.characterId !== null ? { wow_character_id: t.target.characterId } : { discord_member_id: t.target.memberId }) })
      .first('id');
    try {
      // A savepoint per link: a conflict leaves the rest of the import standing.
      const done = await trx.transaction((sp) => decideLink(sp, guildId, personId!, t.target, { by, reason: `officers' sheet, ${t.sheet} row ${t.row}` }, 'sheet', evidence));
      if (!done.changed) report.linksUnchanged += 1;
      else if (before) report.linksConfirmed += 1;
      else report.linksCreated += 1;
    } catch (err) {
      if (!(err instanceof IdentityConflict)) throw err;
      const what = await describeTarget(trx, guildId, t.target);
      report.conflicts.push({ sheet: t.sheet, row: t.row, reason: `The ${what} was not linked to ${player.discordName}: ${err.message}` });
    }
  }
}

import type { Knex } from 'knex';
import { formerNames } from './formerNames';
import type { Evidence } from '../../../core/identity/matching';
import { RealmIndex } from '../../../core/identity/names';
import { parseSheet, resolveSheet, type SheetPlayer, type SheetProblem } from '../../../core/identity/sheet';
import { decideLink, describeTarget, IdentityConflict, type Decision, type Target } from './officerDecisions';
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
      const previous = await formerNames(trx, guildId);
      const members = await trx('discord_members').where({ guild_id: guildId }).whereNull('departed_at').select('id', 'discord_user_id');
      const realms = new RealmIndex(characters.map((c) => ({ slug: c.realm_slug, name: c.realm_name })));
      const { players, problems } = resolveSheet(parsed, {
        // Departed characters too: a former member who kept their roles is found through the sheet.
        characters: characters.map((c) => ({ id: c.id, name: c.name, realmSlug: c.realm_slug, inGuild: c.in_guild, previousNames: previous.get(c.id) ?? [] })),
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
      const done = await trx.transaction((sp) => claimBySheet(sp, guildId, personId!, t.target, { by, reason: `officers' sheet, ${t.sheet} row ${t.row}` }, evidence));
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

/**
 * A sheet row's link. The sheet is the officers' record but not an officer's decision: a row an
 * officer overruled (linked elsewhere, or rejected) is a conflict; a row another row already gives
 * to someone else is stored as a suggestion, and the identity step flags both for officers. A row
 * already imported changes nothing, whatever the identity step made of it since (it may have
 * turned it into a flagged suggestion while the notes disagree).
 */
async function claimBySheet(trx: Knex.Transaction, guildId: number, personId: number, t: Target, d: Decision, evidence: Evidence): Promise<{ id: number; changed: boolean }> {
  const where = t.characterId !== null ? { wow_character_id: t.characterId } : { discord_member_id: t.memberId };
  const mine = await trx('identity_links').where({ guild_id: guildId, person_id: personId, ...where }).first('id', 'status', 'source', 'decided_by', 'reason');
  if (mine && mine.decided_by !== null && mine.status === 'rejected') {
    throw new IdentityConflict(`${mine.decided_by} rejected this link (link ${mine.id}${mine.reason ? `: "${mine.reason}"` : ''}); the sheet does not overrule an officer. Link it with POST /api/identity/link if the sheet is right.`, { conflictingLinkId: mine.id });
  }
  if (mine && mine.decided_by !== null && mine.source === 'sheet') return { id: mine.id, changed: false };
  const otherSheet = await trx('identity_links').where({ guild_id: guildId, status: 'confirmed', source: 'sheet', ...where }).whereNot({ person_id: personId }).whereNotNull('decided_by').first('id');
  if (!otherSheet) return decideLink(trx, guildId, personId, t, d, 'sheet', evidence);
  // Two rows, two players: kept as a suggestion beside the other row's link; officers decide.
  if (mine) {
    await trx('identity_links').where({ id: mine.id }).update({ status: 'suggested', source: 'sheet', decided_by: d.by, reason: d.reason, confidence: 1, evidence: JSON.stringify([evidence]), updated_at: trx.fn.now() });
    return { id: mine.id, changed: true };
  }
  const [row] = await trx('identity_links')
    .insert({ guild_id: guildId, person_id: personId, ...where, wow_character_id: t.characterId, discord_member_id: t.memberId, status: 'suggested', source: 'sheet', evidence: JSON.stringify([evidence]), confidence: 1, decided_by: d.by, reason: d.reason })
    .returning('id');
  await trx('identity_link_events').insert({ guild_id: guildId, link_id: row.id, kind: 'created', wow_character_id: t.characterId, discord_member_id: t.memberId, from_person_id: null, to_person_id: personId, status: 'suggested', actor: d.by, reason: d.reason, evidence: JSON.stringify([evidence]) });
  return { id: row.id, changed: true };
}

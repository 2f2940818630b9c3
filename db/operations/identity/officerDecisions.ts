import type { Knex } from 'knex';
import type { Evidence } from '../../../core/identity/matching';
import { lockIdentity } from './runIdentity';

/**
 * What officers decide about identity: link, confirm, reject, merge, split. Every decision is a
 * link with `decided_by` set, which automation never changes, and a history entry. Each runs in one
 * transaction under the guild's identity lock, so it never interleaves with an automated run.
 */

export class IdentityNotFound extends Error {
  override name = 'IdentityNotFound';
}

/** A decision that would contradict one officers already made; the message says which and how to undo it. */
export class IdentityConflict extends Error {
  override name = 'IdentityConflict';
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface Decision {
  /** The officer, as they want to be named in history. */
  by: string;
  reason: string;
}

type Trx = Knex.Transaction;
export interface Target {
  characterId: number | null;
  memberId: number | null;
}

const LINK_COLUMNS = ['id', 'person_id', 'wow_character_id', 'discord_member_id', 'status', 'source', 'decided_by', 'reason', 'evidence', 'confidence'];

export async function describeTarget(trx: Trx, guildId: number, t: Target): Promise<string> {
  if (t.characterId !== null) {
    const c = await trx('wow_characters').where({ guild_id: guildId, id: t.characterId }).first('name', 'realm_slug');
    if (!c) throw new IdentityNotFound(`Character ${t.characterId} is not in this guild's records. List characters with GET /api/identity/orphans/wow or GET /api/identity/persons.`);
    return `character ${c.name}-${c.realm_slug}`;
  }
  const m = await trx('discord_members').where({ guild_id: guildId, id: t.memberId }).first('username');
  if (!m) throw new IdentityNotFound(`Discord member ${t.memberId} is not in this guild's records. List them with GET /api/identity/orphans/discord.`);
  return `Discord account ${m.username}`;
}

async function personName(trx: Trx, guildId: number, personId: number): Promise<string> {
  const p = await trx('persons').where({ guild_id: guildId, id: personId }).first('display_name');
  if (!p) throw new IdentityNotFound(`Person ${personId} is not in this guild. List persons with GET /api/identity/persons.`);
  return `person #${personId} (${p.display_name})`;
}

const targetWhere = (t: Target) => (t.characterId !== null ? { wow_character_id: t.characterId } : { discord_member_id: t.memberId });

async function event(trx: Trx, guildId: number, row: { linkId: number | null; kind: string; target: Target; from: number | null; to: number | null; status: string | null; actor: string; reason: string | null; evidence?: Evidence[] }) {
  await trx('identity_link_events').insert({
    guild_id: guildId,
    link_id: row.linkId,
    kind: row.kind,
    wow_character_id: row.target.characterId,
    discord_member_id: row.target.memberId,
    from_person_id: row.from,
    to_person_id: row.to,
    status: row.status,
    actor: row.actor,
    reason: row.reason,
    evidence: JSON.stringify(row.evidence ?? []),
  });
}

/**
 * Frees a target for a decided link in `personId`: automation's confirmed link elsewhere is moved
 * out (with history); an officer's is a conflict naming it.
 */
async function clearConfirmedElsewhere(trx: Trx, guildId: number, t: Target, personId: number, d: Decision): Promise<void> {
  // Sheet rows waiting elsewhere for this target (disputed, or a second claim) are settled by this decision.
  const waiting = await trx('identity_links').where({ guild_id: guildId, source: 'sheet', status: 'suggested', ...targetWhere(t) }).whereNot({ person_id: personId }).select('id', 'person_id');
  for (const w of waiting) {
    const reason = `${d.by} placed it in person #${personId}: ${d.reason}`;
    await trx('identity_links').where({ id: w.id }).update({ status: 'rejected', decided_by: d.by, reason, flag: null, flagged_at: null, updated_at: trx.fn.now() });
    await event(trx, guildId, { linkId: w.id, kind: 'rejected', target: t, from: w.person_id, to: null, status: 'rejected', actor: d.by, reason });
  }
  const other = await trx('identity_links').where({ guild_id: guildId, status: 'confirmed', ...targetWhere(t) }).whereNot({ person_id: personId }).first(LINK_COLUMNS);
  if (!other) return;
  if (other.decided_by !== null) {
    const what = await describeTarget(trx, guildId, t);
    throw new IdentityConflict(
      `The ${what} is already linked to ${await personName(trx, guildId, other.person_id)} by ${other.decided_by} (link ${other.id}). ` +
        `Remove that link first (DELETE /api/identity/link/${other.id}), or merge the two persons.`,
      { conflictingLinkId: other.id, personId: other.person_id, decidedBy: other.decided_by },
    );
  }
  await trx('identity_links').where({ id: other.id }).delete();
  await event(trx, guildId, { linkId: null, kind: 'moved', target: t, from: other.person_id, to: personId, status: 'confirmed', actor: d.by, reason: d.reason });
}

/** Puts a decided, confirmed link of `t` in `personId`, reusing the row for that pair if there is one. */
export async function decideLink(trx: Trx, guildId: number, personId: number, t: Target, d: Decision, source: 'officer' | 'sheet', evidence: Evidence): Promise<{ id: number; changed: boolean }> {
  await clearConfirmedElsewhere(trx, guildId, t, personId, d);
  const existing = await trx('identity_links').where({ guild_id: guildId, person_id: personId, ...targetWhere(t) }).first(LINK_COLUMNS);
  if (existing && existing.status === 'confirmed' && existing.decided_by !== null) return { id: existing.id, changed: false };
  if (existing) {
    const kept = (existing.evidence as Evidence[]).filter((e) => e.rule !== evidence.rule);
    await trx('identity_links')
      .where({ id: existing.id })
      .update({ status: 'confirmed', source, decided_by: d.by, reason: d.reason, confidence: 1, evidence: JSON.stringify([evidence, ...kept]), flag: null, flagged_at: null, updated_at: trx.fn.now() });
    await event(trx, guildId, { linkId: existing.id, kind: 'confirmed', target: t, from: personId, to: personId, status: 'confirmed', actor: d.by, reason: d.reason, evidence: [evidence] });
    return { id: existing.id, changed: true };
  }
  const [row] = await trx('identity_links')
    .insert({ guild_id: guildId, person_id: personId, wow_character_id: t.characterId, discord_member_id: t.memberId, status: 'confirmed', source, evidence: JSON.stringify([evidence]), confidence: 1, decided_by: d.by, reason: d.reason })
    .returning('id');
  await event(trx, guildId, { linkId: row.id, kind: 'created', target: t, from: null, to: personId, status: 'confirmed', actor: d.by, reason: d.reason, evidence: [evidence] });
  return { id: row.id, changed: true };
}

export interface OfficerLinkRequest extends Decision {
  personId?: number;
  characterId?: number;
  discordMemberId?: number;
}

/**
 * An officer's link. With a person: the character or Discord account joins it. Without one: a
 * character and a Discord account are the same person (the character's, else the account's, else
 * a new one); a lone target starts a person of its own.
 */
export async function linkByOfficer(knex: Knex, guildId: number, req: OfficerLinkRequest): Promise<{ personId: number; linkIds: number[] }> {
  return knex.transaction(async (trx) => {
    await lockIdentity(trx, guildId);
    const targets: Target[] = [];
    if (req.characterId !== undefined) targets.push({ characterId: req.characterId, memberId: null });
    if (req.discordMemberId !== undefined) targets.push({ characterId: null, memberId: req.discordMemberId });
    const names: string[] = [];
    for (const t of targets) names.push(await describeTarget(trx, guildId, t));

    let personId = req.personId;
    if (personId !== undefined) await personName(trx, guildId, personId);
    else {
      for (const t of targets) {
        const held = await trx('identity_links').where({ guild_id: guildId, status: 'confirmed', ...targetWhere(t) }).first('person_id');
        if (held) {
          personId = held.person_id as number;
          break;
        }
      }
      if (personId === undefined) {
        const [p] = await trx('persons').insert({ guild_id: guildId, display_name: names[0]!.replace(/^(character|Discord account) /, '').replace(/-[^-]+$/, '') }).returning('id');
        personId = p.id as number;
      }
    }
    const linkIds: number[] = [];
    for (const t of targets) {
      const evidence: Evidence = { rule: 'officer_link', source: 'officer', weight: 1, text: `${req.by} linked it: ${req.reason}`, fuzzy: false };
      linkIds.push((await decideLink(trx, guildId, personId!, t, req, 'officer', evidence)).id);
    }
    return { personId: personId!, linkIds };
  });
}

/** Confirms a suggestion: it becomes an officer's decision. Confirming it again changes nothing. */
export async function confirmLink(knex: Knex, guildId: number, linkId: number, d: Decision): Promise<{ linkId: number; personId: number; changed: boolean }> {
  return knex.transaction(async (trx) => {
    await lockIdentity(trx, guildId);
    return confirmIn(trx, guildId, linkId, d);
  });
}

/**
 * Confirms a suggestion and, when it puts a character into a person, the same suggestion for the
 * rest of that character's player (the alts its notes group with it): officers confirm a player in
 * one decision, not each alt.
 */
export async function confirmPlayer(knex: Knex, guildId: number, linkId: number, d: Decision): Promise<{ linkId: number; linkIds: number[]; personId: number; changed: boolean }> {
  return knex.transaction(async (trx) => {
    await lockIdentity(trx, guildId);
    const link = await trx('identity_links').where({ guild_id: guildId, id: linkId }).first('id', 'person_id', 'wow_character_id', 'status');
    const alongside: number[] = [];
    if (link && link.wow_character_id !== null && link.status === 'suggested') {
      // The player's other characters: those automation holds in the same person as this one.
      const holder = await trx('identity_links').where({ guild_id: guildId, wow_character_id: link.wow_character_id, status: 'confirmed' }).whereNull('decided_by').first('person_id');
      if (holder) {
        const rows = await trx('identity_links as s')
          .join('identity_links as h', (j) => j.on('h.wow_character_id', 's.wow_character_id').andOnVal('h.status', 'confirmed').andOnVal('h.person_id', holder.person_id).andOnNull('h.decided_by'))
          .where({ 's.guild_id': guildId, 's.person_id': link.person_id, 's.status': 'suggested' })
          .whereNot('s.id', linkId)
          .orderBy('s.id')
          .select('s.id');
        alongside.push(...rows.map((r) => r.id as number));
      }
    }
    const first = await confirmIn(trx, guildId, linkId, d);
    let changed = first.changed;
    for (const id of alongside) changed = (await confirmIn(trx, guildId, id, { ...d, reason: `${d.reason} (with the rest of the player)` })).changed || changed;
    return { linkId, linkIds: [linkId, ...alongside], personId: first.personId, changed };
  });
}

async function confirmIn(trx: Trx, guildId: number, linkId: number, d: Decision): Promise<{ linkId: number; personId: number; changed: boolean }> {
  const link = await trx('identity_links').where({ guild_id: guildId, id: linkId }).first(LINK_COLUMNS);
  if (!link) throw new IdentityNotFound(`Link ${linkId} is not in this guild. Suggestions are listed by GET /api/identity/persons?status=suggested.`);
  const t: Target = { characterId: link.wow_character_id, memberId: link.discord_member_id };
  if (link.status === 'rejected') {
    throw new IdentityConflict(
      `Link ${linkId} was rejected by ${link.decided_by}${link.reason ? ` ("${link.reason}")` : ''}. To overrule that, link it again with POST /api/identity/link.`,
      { linkId, status: 'rejected', decidedBy: link.decided_by },
    );
  }
  if (link.status === 'confirmed' && link.decided_by !== null) return { linkId, personId: link.person_id, changed: false };
  const evidence: Evidence = { rule: 'officer_confirmed', source: 'officer', weight: 1, text: `${d.by} confirmed it: ${d.reason}`, fuzzy: false };
  await clearConfirmedElsewhere(trx, guildId, t, link.person_id, d);
  // A sheet row an officer confirms is the officer's decision from now on (the notes no longer dispute it).
  await trx('identity_links')
    .where({ id: linkId })
    .update({ status: 'confirmed', source: link.source === 'sheet' ? 'officer' : link.source, decided_by: d.by, reason: d.reason, flag: null, flagged_at: null, evidence: JSON.stringify([evidence, ...(link.evidence as Evidence[])]), updated_at: trx.fn.now() });
  await event(trx, guildId, { linkId, kind: 'confirmed', target: t, from: link.person_id, to: link.person_id, status: 'confirmed', actor: d.by, reason: d.reason, evidence: [evidence] });
  return { linkId, personId: link.person_id, changed: true };
}

/**
 * Removes a link, remembered as a rejection: automation never proposes that pair again. Removing
 * it again changes nothing.
 */
export async function rejectLink(knex: Knex, guildId: number, linkId: number, d: Decision): Promise<{ linkId: number; personId: number; changed: boolean; was: string }> {
  return knex.transaction(async (trx) => {
    await lockIdentity(trx, guildId);
    const link = await trx('identity_links').where({ guild_id: guildId, id: linkId }).first(LINK_COLUMNS);
    if (!link) throw new IdentityNotFound(`Link ${linkId} is not in this guild. Links are listed by GET /api/identity/persons.`);
    if (link.status === 'rejected') return { linkId, personId: link.person_id, changed: false, was: 'rejected' };
    const t: Target = { characterId: link.wow_character_id, memberId: link.discord_member_id };
    await trx('identity_links')
      .where({ id: linkId })
      .update({ status: 'rejected', decided_by: d.by, reason: d.reason, flag: null, flagged_at: null, updated_at: trx.fn.now() });
    await event(trx, guildId, { linkId, kind: 'rejected', target: t, from: link.person_id, to: null, status: 'rejected', actor: d.by, reason: d.reason });
    return { linkId, personId: link.person_id, changed: true, was: link.status };
  });
}

/**
 * Merges one person into another: every link moves (history kept), confirmed ones as officers'
 * decisions so automation keeps them together; the emptied person is removed.
 */
export async function mergePersons(knex: Knex, guildId: number, fromPersonId: number, intoPersonId: number, d: Decision): Promise<{ personId: number; moved: number }> {
  if (fromPersonId === intoPersonId) throw new IdentityConflict(`Person ${fromPersonId} cannot be merged into itself.`, { personId: fromPersonId });
  return knex.transaction(async (trx) => {
    await lockIdentity(trx, guildId);
    await personName(trx, guildId, fromPersonId);
    await personName(trx, guildId, intoPersonId);
    const from = await trx('identity_links').where({ guild_id: guildId, person_id: fromPersonId }).select(LINK_COLUMNS);
    const into = await trx('identity_links').where({ guild_id: guildId, person_id: intoPersonId }).select(LINK_COLUMNS);
    const intoByTarget = new Map(into.map((l) => [`${l.wow_character_id}/${l.discord_member_id}`, l]));
    let moved = 0;
    for (const l of from) {
      const t: Target = { characterId: l.wow_character_id, memberId: l.discord_member_id };
      const clash = intoByTarget.get(`${l.wow_character_id}/${l.discord_member_id}`);
      if (clash && clash.status === 'rejected' && l.status === 'confirmed') {
        throw new IdentityConflict(
          `Person #${intoPersonId} has a rejection of the ${await describeTarget(trx, guildId, t)} (link ${clash.id}, by ${clash.decided_by}), which person #${fromPersonId} holds. Remove the rejection or split that link off first.`,
          { conflictingLinkId: clash.id },
        );
      }
      if (clash) {
        // The same pair on both sides: the person merged into keeps its own row.
        await trx('identity_links').where({ id: l.id }).delete();
        await event(trx, guildId, { linkId: clash.id, kind: 'merged', target: t, from: fromPersonId, to: intoPersonId, status: clash.status, actor: d.by, reason: d.reason });
        continue;
      }
      const decided = l.status === 'confirmed' && l.decided_by === null ? { decided_by: d.by, reason: d.reason } : {};
      await trx('identity_links').where({ id: l.id }).update({ person_id: intoPersonId, ...decided, updated_at: trx.fn.now() });
      await event(trx, guildId, { linkId: l.id, kind: 'merged', target: t, from: fromPersonId, to: intoPersonId, status: l.status, actor: d.by, reason: d.reason });
      moved += 1;
    }
    // Officers merged by hand: the person's name and main are theirs to keep now.
    await trx('persons').where({ id: intoPersonId }).whereNull('named_by').update({ named_by: d.by, updated_at: trx.fn.now() });
    await trx('persons').where({ id: fromPersonId }).delete();
    return { personId: intoPersonId, moved };
  });
}

/**
 * Splits links off a person into a new one: they move as officers' decisions, and the old person
 * keeps a rejection of each, so notes do not join them again.
 */
export async function splitPerson(knex: Knex, guildId: number, personId: number, linkIds: number[], d: Decision): Promise<{ personId: number; newPersonId: number }> {
  return knex.transaction(async (trx) => {
    await lockIdentity(trx, guildId);
    await personName(trx, guildId, personId);
    const links = await trx('identity_links').where({ guild_id: guildId, person_id: personId }).whereIn('id', linkIds).select(LINK_COLUMNS);
    const missing = linkIds.filter((id) => !links.some((l) => l.id === id));
    if (missing.length > 0) throw new IdentityNotFound(`Link(s) ${missing.join(', ')} are not links of person #${personId}. GET /api/identity/persons shows each person's links.`);
    const confirmed = links.filter((l) => l.status === 'confirmed');
    if (confirmed.length === 0) throw new IdentityConflict('Split needs at least one confirmed link to start the new person with.', { linkIds });
    const first = confirmed.find((l) => l.wow_character_id !== null) ?? confirmed[0];
    const name = first.wow_character_id !== null
      ? (await trx('wow_characters').where({ id: first.wow_character_id }).first('name')).name
      : (await trx('discord_members').where({ id: first.discord_member_id }).first('username')).username;
    const [p] = await trx('persons').insert({ guild_id: guildId, display_name: name, main_character_id: first.wow_character_id, named_by: d.by }).returning('id');
    for (const l of links) {
      const t: Target = { characterId: l.wow_character_id, memberId: l.discord_member_id };
      const decided = l.decided_by === null ? { decided_by: d.by, reason: d.reason } : {};
      await trx('identity_links').where({ id: l.id }).update({ person_id: p.id, ...decided, updated_at: trx.fn.now() });
      await event(trx, guildId, { linkId: l.id, kind: 'split', target: t, from: personId, to: p.id, status: l.status, actor: d.by, reason: d.reason });
      if (l.status === 'confirmed') {
        await trx('identity_links').insert({
          guild_id: guildId, person_id: personId, ...targetWhere(t), status: 'rejected', source: 'officer', confidence: 0, decided_by: d.by, reason: `Split off to person #${p.id}: ${d.reason}`,
          evidence: JSON.stringify([{ rule: 'officer_split', source: 'officer', weight: 1, text: `${d.by} split it off: ${d.reason}`, fuzzy: false }]),
        });
      }
    }
    await trx('persons').where({ id: personId }).where('main_character_id', 'in', links.map((l) => l.wow_character_id).filter((x) => x !== null)).update({ main_character_id: null });
    return { personId, newPersonId: p.id as number };
  });
}

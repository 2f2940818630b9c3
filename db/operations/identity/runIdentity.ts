import type { Knex } from 'knex';
import { formerNames } from './formerNames';
import { planIdentity, type EngineLink, type IdentityInput, type IdentityRunCounts, type PersonRef } from '../../../core/identity/engine';

export type { IdentityRunCounts };
import { diffLinks, type LinkEvent } from '../../../core/identity/diff';
import { linkTotals } from './identityQueries';


/** Serialises identity work per guild: runs after syncs and officers' decisions never interleave. */
export async function lockIdentity(trx: Knex.Transaction, guildId: number): Promise<void> {
  await trx.raw("SELECT pg_advisory_xact_lock(hashtext('identity'), ?)", [guildId]);
}

/** Everything the engine reads, in one consistent snapshot. */
export async function loadIdentityInput(trx: Knex | Knex.Transaction, guildId: number): Promise<IdentityInput> {
  const guild = await trx('guilds').where({ id: guildId }).first('realm_slug');
  if (!guild) throw new Error(`Guild ${guildId} not found`);
  // One after another: a transaction is one connection, which runs one query at a time.
  const characters = await trx('wow_characters').where({ guild_id: guildId }).select('id', 'name', 'realm_slug', 'realm_name', 'guild_note', 'officer_note', 'in_guild');
  const previous = await formerNames(trx, guildId);
  const members = await trx('discord_members as m')
    .where('m.guild_id', guildId)
    .select('m.id', 'm.username', 'm.global_name', 'm.nickname', 'm.is_bot', 'm.departed_at')
    .select(
      trx.raw(
        `EXISTS (SELECT 1 FROM discord_roles r WHERE r.guild_id = m.guild_id AND r.deleted_at IS NULL AND r.guild_rank IS NOT NULL AND r.discord_role_id = ANY (m.role_ids)) AS has_guild_role`,
      ),
    );
  const persons = await trx('persons').where({ guild_id: guildId }).select('id', 'named_by');
  const links = await trx('identity_links')
    .where({ guild_id: guildId })
    .select('id', 'person_id', 'wow_character_id', 'discord_member_id', 'status', 'source', 'decided_by', 'confidence', 'evidence');
  const realms = new Map<string, string | null>();
  for (const c of characters) if (!realms.has(c.realm_slug) || c.realm_name) realms.set(c.realm_slug, c.realm_name);
  return {
    guildRealmSlug: guild.realm_slug,
    realms: [...realms].map(([slug, name]) => ({ slug, name })),
    characters: characters.map((c) => ({ id: c.id, name: c.name, realmSlug: c.realm_slug, guildNote: c.guild_note, officerNote: c.officer_note, inGuild: c.in_guild, previousNames: previous.get(c.id) ?? [] })),
    members: members.map((m) => ({ id: m.id, username: m.username, globalName: m.global_name, nickname: m.nickname, isBot: m.is_bot, present: m.departed_at === null, hasGuildRole: m.has_guild_role })),
    persons: persons.map((p) => ({ id: p.id, namedByOfficers: p.named_by !== null })),
    links: links.map(toEngineLink),
  };
}

export function toEngineLink(r: Record<string, any>): EngineLink {
  return {
    id: r.id,
    personId: r.person_id,
    characterId: r.wow_character_id,
    memberId: r.discord_member_id,
    status: r.status,
    source: r.source,
    decided: r.decided_by !== null,
    confidence: Number(r.confidence),
    evidence: r.evidence,
  };
}

/**
 * One identity run for a guild, in one transaction: plan from the current roster, Discord members,
 * notes and officers' decisions; apply automation's changes; write a history entry for each.
 * Idempotent: a second run with nothing new changes nothing and writes no history.
 */
export async function runIdentity(knex: Knex, guildId: number): Promise<IdentityRunCounts> {
  return knex.transaction((trx) => runIdentityIn(trx, guildId));
}

/** The same, inside a caller's transaction (the sheet import matches before it commits). */
export async function runIdentityIn(trx: Knex.Transaction, guildId: number): Promise<IdentityRunCounts> {
  await lockIdentity(trx, guildId);
  const input = await loadIdentityInput(trx, guildId);
  const plan = planIdentity(input);
  const diff = diffLinks(
    input.links.filter((l) => !l.decided),
    plan.links,
  );

  // New persons first, so their links have somewhere to go.
  const personIds = new Map<PersonRef, number>();
  const newPersons = plan.persons.filter((p) => typeof p.person === 'string');
  for (let i = 0; i < newPersons.length; i += 1000) {
    const batch = newPersons.slice(i, i + 1000);
    const ids = await trx('persons')
      .insert(batch.map((p) => ({ guild_id: guildId, display_name: p.displayName, main_character_id: p.mainCharacterId })))
      .returning('id');
    batch.forEach((p, j) => personIds.set(p.person, ids[j].id));
  }
  const idOf = (ref: PersonRef): number => (typeof ref === 'number' ? ref : personIds.get(ref)!);

  // Removals before inserts: a character moving persons must leave before it arrives.
  const removed = diff.removals.map((l) => l.id);
  for (let i = 0; i < removed.length; i += 5000) await trx('identity_links').whereIn('id', removed.slice(i, i + 5000)).delete();
  // Sheet rows the notes dispute become suggestions (before anything else confirms their character),
  // and undisputed ones confirmed again (after automation's own link of the character has gone).
  const events: Record<string, unknown>[] = [];
  if (plan.claims.length > 0) {
    const current = new Map(
      (await trx('identity_links').whereIn('id', plan.claims.map((c) => c.linkId)).select('id', 'status', 'flag', 'person_id', 'wow_character_id', 'discord_member_id')).map((r) => [r.id, r]),
    );
    const changes = plan.claims.filter((c) => {
      const row = current.get(c.linkId);
      return row && (row.status !== c.status || JSON.stringify(row.flag?.reason ?? null) !== JSON.stringify(c.flag?.reason ?? null));
    });
    // Demotions first: a character's confirmed row must go before a promotion can take its place.
    changes.sort((a, b) => Number(a.status === 'confirmed') - Number(b.status === 'confirmed'));
    for (const c of changes) {
      const row = current.get(c.linkId)!;
      await trx('identity_links')
        .where({ id: c.linkId })
        .update({ status: c.status, flag: c.flag ? JSON.stringify(c.flag) : null, flagged_at: c.flag ? trx.fn.now() : null, updated_at: trx.fn.now() });
      events.push({
        guild_id: guildId,
        link_id: c.linkId,
        kind: row.status !== c.status ? (c.status === 'confirmed' ? 'confirmed' : 'unconfirmed') : c.flag ? 'flagged' : 'unflagged',
        wow_character_id: row.wow_character_id,
        discord_member_id: row.discord_member_id,
        from_person_id: row.person_id,
        to_person_id: row.person_id,
        status: c.status,
        actor: 'automation',
        reason: c.flag?.reason ?? 'The sheet and the notes agree again.',
        evidence: JSON.stringify(c.flag?.evidence ?? []),
      });
    }
  }
  // Changed links in one statement per 2,000: a reworded note can touch thousands at once.
  for (let i = 0; i < diff.updates.length; i += 2000) {
    const rows = diff.updates.slice(i, i + 2000).map((u) => ({ id: u.id, status: u.link.status, source: u.link.source, confidence: u.link.confidence, evidence: u.link.evidence }));
    await trx.raw(
      `UPDATE identity_links l SET status = r.status, source = r.source, confidence = r.confidence, evidence = r.evidence, updated_at = now()
       FROM jsonb_to_recordset(?::jsonb) AS r(id int, status text, source text, confidence numeric, evidence jsonb)
       WHERE l.id = r.id`,
      [JSON.stringify(rows)],
    );
  }
  const linkIds = new Map<string, number>();
  for (let i = 0; i < diff.inserts.length; i += 2000) {
    const batch = diff.inserts.slice(i, i + 2000);
    const rows = await trx('identity_links')
      .insert(
        batch.map((p) => ({
          guild_id: guildId,
          person_id: idOf(p.person),
          wow_character_id: p.characterId,
          discord_member_id: p.memberId,
          status: p.status,
          source: p.source,
          evidence: JSON.stringify(p.evidence),
          confidence: p.confidence,
        })),
      )
      .returning(['id', 'person_id', 'wow_character_id', 'discord_member_id']);
    for (const r of rows) linkIds.set(`${r.person_id}/${r.wow_character_id}/${r.discord_member_id}`, r.id);
  }

  // Names and mains automation looks after; persons left with no link at all are gone.
  const shown = new Map((await trx('persons').where({ guild_id: guildId }).whereNull('named_by').select('id', 'display_name', 'main_character_id')).map((r) => [r.id, r]));
  for (const p of plan.persons) {
    const now = typeof p.person === 'number' ? shown.get(p.person) : undefined;
    if (!now || (now.display_name === p.displayName && now.main_character_id === p.mainCharacterId)) continue;
    await trx('persons').where({ id: now.id }).update({ display_name: p.displayName, main_character_id: p.mainCharacterId, updated_at: trx.fn.now() });
  }
  const emptied = await trx('persons')
    .where({ guild_id: guildId })
    .whereNull('named_by')
    .whereNotExists((q) => q.select(1).from('identity_links').whereRaw('identity_links.person_id = persons.id'))
    .delete()
    .returning('id');

  // Flags on decided links the notes contradict, with a history entry when one appears or clears.
  events.push(...diff.events.map((e) => eventRow(guildId, e, idOf, linkIds)));
  if (plan.flags.length > 0) {
    const current = new Map(
      (await trx('identity_links').whereIn('id', plan.flags.map((f) => f.linkId)).select('id', 'flag', 'person_id', 'wow_character_id', 'discord_member_id')).map((r) => [r.id, r]),
    );
    for (const f of plan.flags) {
      const row = current.get(f.linkId);
      if (!row) continue;
      const before = row.flag ? JSON.stringify(row.flag.reason) : null;
      const after = f.flag ? JSON.stringify(f.flag.reason) : null;
      if (before === after) continue;
      await trx('identity_links')
        .where({ id: f.linkId })
        .update({ flag: f.flag ? JSON.stringify(f.flag) : null, flagged_at: f.flag ? trx.fn.now() : null });
      events.push({
        guild_id: guildId,
        link_id: f.linkId,
        kind: f.flag ? 'flagged' : 'unflagged',
        wow_character_id: row.wow_character_id,
        discord_member_id: row.discord_member_id,
        from_person_id: row.person_id,
        to_person_id: row.person_id,
        status: 'confirmed',
        actor: 'automation',
        reason: f.flag?.reason ?? 'The notes no longer contradict this link.',
        evidence: JSON.stringify(f.flag?.evidence ?? []),
      });
    }
  }
  for (let i = 0; i < events.length; i += 2000) await trx('identity_link_events').insert(events.slice(i, i + 2000));

  const totals = await linkTotals(trx, guildId);
  return {
    persons: totals.persons,
    personsCreated: newPersons.length,
    personsRemoved: emptied.length,
    linksCreated: diff.inserts.length,
    linksChanged: diff.updates.length,
    linksWithdrawn: diff.removals.length,
    linksUnchanged: diff.unchanged,
    confirmed: totals.confirmed,
    suggested: totals.suggested,
    flagged: totals.flagged,
    unknownMains: plan.unknownMains.length,
  };
}

function eventRow(guildId: number, e: LinkEvent, idOf: (ref: PersonRef) => number, linkIds: Map<string, number>): Record<string, unknown> {
  const to = e.toPerson === null ? null : idOf(e.toPerson);
  return {
    guild_id: guildId,
    link_id: to === null ? null : linkIds.get(`${to}/${e.characterId}/${e.memberId}`) ?? null,
    kind: e.kind,
    wow_character_id: e.characterId,
    discord_member_id: e.memberId,
    from_person_id: e.fromPerson,
    to_person_id: to,
    status: e.status,
    actor: 'automation',
    reason: null,
    evidence: JSON.stringify(e.evidence),
  };
}

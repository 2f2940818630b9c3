import type { EngineLink, PersonRef, PlannedLink } from './engine';
import type { Evidence } from './matching';

/**
 * What applying a plan changes in the automation's links, and the history entries that say so.
 * Decided links never appear here: the plan does not list them and the caller passes only
 * automation's links as `existing`.
 */
export type LinkEventKind = 'created' | 'confirmed' | 'unconfirmed' | 'evidence_changed' | 'moved' | 'withdrawn';

export interface LinkEvent {
  kind: LinkEventKind;
  characterId: number | null;
  memberId: number | null;
  fromPerson: number | null;
  toPerson: PersonRef | null;
  status: 'confirmed' | 'suggested' | null;
  evidence: Evidence[];
}

export interface LinkDiff {
  inserts: PlannedLink[];
  updates: { id: number; link: PlannedLink }[];
  removals: EngineLink[];
  events: LinkEvent[];
  unchanged: number;
}

const targetOf = (l: { characterId: number | null; memberId: number | null }) =>
  l.characterId !== null ? `c${l.characterId}` : `m${l.memberId}`;

export function diffLinks(existing: EngineLink[], planned: PlannedLink[]): LinkDiff {
  const byKey = new Map(existing.map((l) => [`${l.personId}/${targetOf(l)}`, l]));
  const diff: LinkDiff = { inserts: [], updates: [], removals: [], events: [], unchanged: 0 };
  const kept = new Set<number>();
  const arrived = new Map<string, PlannedLink>();

  for (const p of planned) {
    const old = byKey.get(`${p.person}/${targetOf(p)}`);
    if (!old) {
      diff.inserts.push(p);
      if (p.status === 'confirmed') arrived.set(targetOf(p), p);
      continue;
    }
    kept.add(old.id);
    const sameEvidence = canonical(old.evidence) === canonical(p.evidence);
    if (old.status === p.status && old.source === p.source && Number(old.confidence) === p.confidence && sameEvidence) {
      diff.unchanged += 1;
      continue;
    }
    diff.updates.push({ id: old.id, link: p });
    const kind: LinkEventKind = old.status !== p.status ? (p.status === 'confirmed' ? 'confirmed' : 'unconfirmed') : 'evidence_changed';
    diff.events.push({ kind, characterId: p.characterId, memberId: p.memberId, fromPerson: old.personId, toPerson: p.person, status: p.status, evidence: p.evidence });
  }

  const left = new Set<string>();
  for (const l of existing) {
    if (kept.has(l.id)) continue;
    diff.removals.push(l);
    const to = l.status === 'confirmed' ? arrived.get(targetOf(l)) : undefined;
    if (to) left.add(targetOf(l));
    diff.events.push({
      kind: to ? 'moved' : 'withdrawn',
      characterId: l.characterId,
      memberId: l.memberId,
      fromPerson: l.personId,
      toPerson: to ? to.person : null,
      status: to ? to.status : null,
      evidence: to ? to.evidence : l.evidence,
    });
  }
  for (const p of diff.inserts) {
    if (p.status === 'confirmed' && left.has(targetOf(p))) continue; // told as "moved"
    diff.events.push({ kind: 'created', characterId: p.characterId, memberId: p.memberId, fromPerson: null, toPerson: p.person, status: p.status, evidence: p.evidence });
  }
  return diff;
}

/** JSON with sorted keys: PostgreSQL's jsonb does not keep the order keys were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

import type { AddonExport, AddonMember } from './exportSchema';
import { planNoteMerge, realmKey, type CharacterForNotes } from './mergeNotes';

const member = (over: Partial<AddonMember>): AddonMember => ({
  name: 'Zatañña-Sargeras',
  guid: 'Player-76-09C2CB5D',
  rankName: 'Officer',
  rankIndex: 1,
  level: 80,
  className: 'Mage',
  classFile: 'MAGE',
  note: 'Rocket main',
  officerNote: 'Discord: Rocket',
  online: false,
  ...over,
});
const exportOf = (members: AddonMember[], canReadOfficerNotes = true): AddonExport => ({
  addonVersion: '1.0.0',
  exportedAt: 1_764_000_000,
  guild: { name: 'Pull All The Things', realm: "Sen'jin", realmNormalized: 'Senjin', region: 'US' },
  exporter: { name: 'Trogmoon-Senjin', guid: 'Player-3724-0A1B2C3D', rankIndex: canReadOfficerNotes ? 0 : 3, canReadOfficerNotes },
  members,
});
const character = (over: Partial<CharacterForNotes>): CharacterForNotes => ({
  id: 1,
  guid: null,
  name: 'Zatañña',
  realmSlug: 'sargeras',
  realmName: 'Sargeras',
  guildNote: null,
  officerNote: null,
  ...over,
});

describe('planNoteMerge', () => {
  it('matches by name and realm, learns the GUID, and writes both notes', () => {
    const plan = planNoteMerge(exportOf([member({})]), [character({})]);
    expect(plan.updates).toEqual([{ characterId: 1, guid: 'Player-76-09C2CB5D', guildNote: 'Rocket main', officerNote: 'Discord: Rocket' }]);
    expect(plan.counts).toMatchObject({ matchedByName: 1, guidsLearned: 1, guildNotesChanged: 1, officerNotesChanged: 1 });
    expect(plan.warnings).toEqual([]);
  });

  it('follows a renamed character by GUID and writes nothing when the notes are the same', () => {
    const stored = character({ guid: 'Player-76-09C2CB5D', name: 'Oldname', guildNote: 'Rocket main', officerNote: 'Discord: Rocket' });
    const plan = planNoteMerge(exportOf([member({})]), [stored]);
    expect(plan.counts).toMatchObject({ matchedByGuid: 1, guildNotesChanged: 0 });
    expect(plan.updates).toEqual([]);
  });

  it('keeps officer notes on record when the exporter cannot read them, and says so', () => {
    const plan = planNoteMerge(exportOf([member({ officerNote: undefined, note: 'new note' })], false), [character({ officerNote: 'kept' })]);
    expect(plan.updates).toEqual([{ characterId: 1, guid: 'Player-76-09C2CB5D', guildNote: 'new note' }]);
    expect(plan.warnings[0]).toMatch(/^Officer notes are not in this export: Trogmoon-Senjin \(rank 3\) cannot read them/);
  });

  it('never mixes up characters that differ only by an accent, and lists members not on record', () => {
    const plan = planNoteMerge(exportOf([member({ name: 'Dìcoz-Senjin', guid: 'Player-3724-00000001' })]), [character({ name: 'Dícoz', realmSlug: 'senjin', realmName: "Sen'jin" })]);
    expect(plan.updates).toEqual([]);
    expect(plan.unmatched).toEqual(['Dìcoz-Senjin']);
    expect(plan.warnings).toEqual(['1 member is not on the synced roster yet (Dìcoz-Senjin): their notes apply after the next roster sync and the next export.']);
  });

  it('compares realms without spaces, apostrophes, hyphens or case', () => {
    expect(["Sen'jin", 'Senjin', 'senjin'].map(realmKey)).toEqual(['senjin', 'senjin', 'senjin']);
    expect(['Zandalar Tribe', 'ZandalarTribe', 'zandalar-tribe'].map(realmKey)).toEqual(['zandalartribe', 'zandalartribe', 'zandalartribe']);
    const plan = planNoteMerge(exportOf([member({ name: 'Kazgor-ZandalarTribe', guid: 'Player-1175-0000000A' })]), [character({ name: 'Kazgor', realmSlug: 'zandalar-tribe', realmName: 'Zandalar Tribe' })]);
    expect(plan.counts.matchedByName).toBe(1);
  });
});

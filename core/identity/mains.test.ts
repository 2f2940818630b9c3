import { GuildNames } from './guildNames';
import type { RosterCharacter } from './mains';
import { RealmIndex } from './names';

const realms = new RealmIndex([{ slug: 'senjin', name: "Sen'jin" }, { slug: 'sargeras', name: 'Sargeras' }, { slug: 'alterac-mountains', name: 'Alterac Mountains' }]);
const c = (id: number, name: string, realmSlug: string, notes: { guildNote?: string; officerNote?: string } = {}): RosterCharacter => ({
  id,
  name,
  realmSlug,
  guildNote: notes.guildNote ?? null,
  officerNote: notes.officerNote ?? null,
});
const roster = [
  c(1, 'Trogmoon', 'senjin'),
  c(2, 'Zatañña', 'sargeras'),
  c(3, 'Vex', 'senjin'),
  c(4, 'Vex', 'alterac-mountains'),
  c(5, 'Bloodvalor', 'alterac-mountains'),
];
/** What an alt's notes say, read against the roster alone (no Discord members). */
const said = (alt: RosterCharacter) => new GuildNames({ guildRealmSlug: 'senjin', realms, characters: [...roster, alt], members: [] }).notesSay(alt);

describe('a main named in notes, read against the roster', () => {
  it('links an alt to the main its note names, preferring the guild realm for a bare name', () => {
    expect(said(c(10, 'Trogbank', 'senjin', { guildNote: "Trogmoon's alt" }))).toMatchObject({ kind: 'character', targetId: 1, evidence: { text: 'public note "Trogmoon\'s alt" names the main Trogmoon-senjin' } });
    expect(said(c(11, 'Vexdk', 'alterac-mountains', { guildNote: 'alt of Vex' }))).toMatchObject({ targetId: 3 });
  });

  it('uses the realm the note writes, as the game writes it, and a name unique across realms', () => {
    expect(said(c(12, 'Vexmage', 'senjin', { officerNote: 'ALT: Vex-AlteracMountains' }))).toMatchObject({ targetId: 4 });
    expect(said(c(13, 'Zatdh', 'senjin', { guildNote: 'alt of Zatañña' }))).toMatchObject({ targetId: 2 });
  });

  it('reports a main that is not on the roster instead of linking, and does not treat an accent-less name as the main', () => {
    expect(said(c(14, 'Ghostalt', 'senjin', { guildNote: 'alt of Nobodyhere' }))).toMatchObject({ kind: 'unknown', evidence: { text: expect.stringMatching(/names Nobodyhere, who is not on the roster/) } });
    // Zatanna is only offered as a look-alike of Zatañña, never taken for it.
    expect(said(c(15, 'Zatmage', 'senjin', { guildNote: 'alt of Zatanna' }))).toMatchObject({ kind: 'unknown', evidence: { text: expect.stringMatching(/names Zatanna/) }, lookAlikeIds: [2] });
  });

  it('reads the officer note before the public note, and finds nothing in a note without a main', () => {
    const both = c(16, 'Bvbank', 'alterac-mountains', { officerNote: 'alt of Bloodvalor', guildNote: 'alt of Trogmoon' });
    expect(said(both)).toMatchObject({ targetId: 5, evidence: { source: 'officer_note' } });
    expect(said(c(17, 'Bank', 'senjin', { guildNote: 'bank' }))).toEqual({ kind: 'none' });
  });
});

import { mainFromNotes, type RosterCharacter } from './mains';
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

describe('mainFromNotes', () => {
  it('links an alt to the main its note names, preferring the guild realm for a bare name', () => {
    const r = mainFromNotes(c(10, 'Trogbank', 'senjin', { guildNote: "Trogmoon's alt" }), roster, realms, 'senjin');
    expect(r).toMatchObject({ kind: 'main', mainId: 1, evidence: { text: 'public note "Trogmoon\'s alt" names the main Trogmoon-senjin' } });
    expect(mainFromNotes(c(11, 'Vexdk', 'alterac-mountains', { guildNote: 'alt of Vex' }), roster, realms, 'senjin')).toMatchObject({ mainId: 3 });
  });

  it('uses the realm the note writes, as the game writes it, and a name unique across realms', () => {
    expect(mainFromNotes(c(12, 'Vexmage', 'senjin', { officerNote: 'ALT: Vex-AlteracMountains' }), roster, realms, 'senjin')).toMatchObject({ mainId: 4 });
    expect(mainFromNotes(c(13, 'Zatdh', 'senjin', { guildNote: 'alt of Zatañña' }), roster, realms, 'senjin')).toMatchObject({ mainId: 2 });
  });

  it('reports a main that is not on the roster instead of linking, and does not treat an accent-less name as the main', () => {
    expect(mainFromNotes(c(14, 'Ghostalt', 'senjin', { guildNote: 'alt of Nobodyhere' }), roster, realms, 'senjin')).toMatchObject({ kind: 'unknown_main', named: 'Nobodyhere' });
    expect(mainFromNotes(c(15, 'Zatmage', 'senjin', { guildNote: 'alt of Zatanna' }), roster, realms, 'senjin')).toMatchObject({ kind: 'unknown_main', named: 'Zatanna' });
  });

  it('reads the officer note before the public note, and finds nothing in a note without a main', () => {
    const both = c(16, 'Bvbank', 'alterac-mountains', { officerNote: 'alt of Bloodvalor', guildNote: 'alt of Trogmoon' });
    expect(mainFromNotes(both, roster, realms, 'senjin')).toMatchObject({ mainId: 5, evidence: { source: 'officer_note' } });
    expect(mainFromNotes(c(17, 'Bank', 'senjin', { guildNote: 'bank' }), roster, realms, 'senjin')).toEqual({ kind: 'none' });
  });
});

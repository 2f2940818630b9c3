import { matchCharacter, type MatchCharacter, type MatchMember } from './matching';

const member = (id: number, username: string, globalName: string | null, nickname: string | null, isBot = false): MatchMember => ({ id, username, globalName, nickname, isBot });
const character = (id: number, name: string, notes: { officerNote?: string; guildNote?: string } = {}, realmSlug = 'senjin'): MatchCharacter => ({
  id,
  name,
  realmSlug,
  officerNote: notes.officerNote ?? null,
  guildNote: notes.guildNote ?? null,
});

// The guild's five officers, as their Discord accounts look on the demo server, plus look-alikes.
const server: MatchMember[] = [
  member(1, 'trog', 'Mike', 'Trogmoon'),
  member(2, 'mito', 'Mito', 'Bloodvalor'),
  member(3, 'rocket', 'Rocket', 'Zatanna'),
  member(4, 'shodoom', 'Shodoom', null),
  member(5, 'skate', 'Skate', 'Skatefarm'),
  member(6, 'skate_alt', 'Skate', 'Skatefarm'),
  member(7, 'carl-bot', null, 'Trogmoon', true),
];

describe('matchCharacter', () => {
  it.each([
    ['Trogmoon', { officerNote: 'Discord: Trog' }, 1],
    ['Bloodvalor', { officerNote: 'Discord: mito' }, 2],
    ['Zatañña', { officerNote: 'Discord: rocket', guildNote: 'Main' }, 3],
    ['Shodoom', { officerNote: 'DC: shodoom' }, 4],
    ['Skatefarm', { officerNote: 'Disc: skate' }, 5],
  ])('confirms the officer %s with the account their note names', (name, notes, memberId) => {
    const d = matchCharacter(character(10, name, notes), server.filter((m) => m.username !== 'skate_alt'));
    expect(d.decision).toBe('auto_confirm');
    if (d.decision !== 'auto_confirm') return;
    expect(d.candidate.memberId).toBe(memberId);
    expect(d.candidate.confidence).toBeGreaterThanOrEqual(0.8);
    expect(d.candidate.evidence[0]).toMatchObject({ rule: 'discord_handle_in_note', source: 'officer_note' });
  });

  it('never confirms on an accent-folded name alone: Zatañña vs Zatanna is only a suggestion', () => {
    const d = matchCharacter(character(11, 'Zatañña'), server);
    expect(d).toEqual({
      decision: 'suggest',
      candidates: [{ memberId: 3, confidence: 0.35, evidence: [expect.objectContaining({ rule: 'name_without_accents', fuzzy: true })] }],
    });
  });

  it('suggests both of two near-identical accounts instead of picking one, even when a note favours one', () => {
    const d = matchCharacter(character(12, 'Skatefarm'), server);
    expect(d.decision).toBe('suggest');
    if (d.decision === 'suggest') expect(d.candidates.map((c) => c.memberId)).toEqual([5, 6]);
    // "Disc: skate" names skate exactly, but skate_alt also shows as Skate / Skatefarm: two qualify, officers decide.
    const noted = matchCharacter(character(12, 'Skatefarm', { officerNote: 'Disc: skate' }), server);
    expect(noted.decision).toBe('suggest');
    if (noted.decision === 'suggest') expect(noted.candidates.map((c) => [c.memberId, c.confidence])).toEqual([[5, 1], [6, 0.9]]);
  });

  it('never proposes a pair an officer rejected, and never a bot', () => {
    const d = matchCharacter(character(13, 'Trogmoon', { officerNote: 'Discord: trog' }), server, new Set([1]));
    expect(d.decision === 'auto_confirm' || (d.decision === 'suggest' && d.candidates.some((c) => c.memberId === 1 || c.memberId === 7))).toBe(false);
  });

  it("confirms on a note's exact Discord username alone (it names exactly one account), the officer's note weighing most", () => {
    const officer = matchCharacter(character(17, 'Qudan', { officerNote: 'Discord: trog' }), server);
    expect(officer).toMatchObject({ decision: 'auto_confirm', candidate: { memberId: 1, confidence: 0.9 } });
    const player = matchCharacter(character(18, 'Qudan', { guildNote: 'Discord: trog' }), server);
    expect(player).toMatchObject({ decision: 'auto_confirm', candidate: { memberId: 1, confidence: 0.8 } });
  });

  it('only suggests a display name in a note when two members go by it', () => {
    const d = matchCharacter(character(19, 'Qudan', { officerNote: 'Discord: Skate' }), server.filter((m) => m.username !== 'skate'));
    // "Skate" is skate_alt's display name, but also the name of the account skate: not proof.
    const both = matchCharacter(character(19, 'Qudan', { officerNote: 'Discord: Skate' }), [...server.filter((m) => m.username !== 'skate'), member(8, 'other', 'Skate', null)]);
    expect(d).toMatchObject({ decision: 'auto_confirm', candidate: { memberId: 6, evidence: [expect.objectContaining({ rule: 'discord_name_in_note' })] } });
    expect(both.decision).toBe('suggest');
  });

  it('finds nothing for a bank alt with no note, or a note with a typo in the handle alone', () => {
    expect(matchCharacter(character(14, 'Trogbank'), server)).toEqual({ decision: 'none' });
    const typo = matchCharacter(character(15, 'Zzbank', { officerNote: 'Discord: rokcet' }), server);
    expect(typo).toEqual({ decision: 'none' });
  });

  it('says in words why, for officers', () => {
    const d = matchCharacter(character(16, 'Trogmoon', { officerNote: 'Discord: Trog' }), server);
    if (d.decision !== 'auto_confirm') throw new Error('expected a confirmation');
    expect(d.candidate.evidence.map((e) => e.text)).toEqual([
      'officer note "Discord: Trog" names the Discord user trog',
      'trog\'s server nickname "Trogmoon" is the character\'s name',
    ]);
  });
});

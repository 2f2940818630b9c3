import { mulberry32 } from '../../standins/blizzard/demoGuild';
import { messageProblems, messageReference, withReference, type DiscordEmbed, type DiscordMessage } from '../discord/messages';
import { findingField, minimumMessages, packReport, RESOLVED_COLOUR, resolvedLine, sharedAction, type ReportInput } from './report';
import { AUDIT_RULES, RULE_TITLES, type AuditRule, type Finding, type Severity } from './types';

const RED = 0xe74c3c;
const YELLOW = 0xf1c40f;
const GREY = 0x95a5a6;
const REF = messageReference('x'.repeat(25));

/** The same guild on every run: a seeded generator. */
const seeded = mulberry32;

const PEOPLE = ['Rocket', 'Zatañña', '小龍', 'ash', 'Ash', 'Bexley', 'Ørjan', 'Siobhán', 'Dmitri', 'Élodie', 'Yuki', 'Priya', 'Tomasz', 'Kat', 'Jules', 'Mo'];
const NAME_STARTS = ['Zatañña', '小龍', 'Bright', 'Storm', 'Shadow', 'Moon', 'Grim', 'Fel', 'Thorn', 'Ember', 'Frost', 'Ash', 'Dusk', 'Iron', 'Sun', 'Wild', 'Stone', 'Raven', 'Mist', 'Blood', 'Gold', 'Star', 'Rune', 'Void', 'Ørn'];
const NAME_ENDS = ['', 'wing', 'blade', 'heart', 'shade', 'fang', 'hoof', 'whisper', 'bane', 'song', 'fury', 'mane', 'claw', 'brew', 'spark', 'thorn', 'weaver', 'hammer', 'gaze', 'tide', 'ward', 'born', 'strider', 'fist', 'howl', 'light', 'dancer', 'root', 'crest', 'vale', 'shot', 'mend', 'totem', 'rage', 'glow', 'drift', 'scale', 'bolt', 'ember', 'frost'];
const REALMS = ['Silvermoon', 'Kazzak', 'Draenor', 'Ravencrest', 'Aegwynn', 'Stormscale', 'Outland'];
const RANKS = ['Guild Master', 'Officer', 'Raider', 'Trial', 'Member', 'Alt', 'Social'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** What the checker says about a subject, in the words it uses (summaries ~60–120, actions ~40–80 characters). */
function words(rule: AuditRule, character: string, handle: string, r: () => number): { summary: string; action: string } {
  const rank = pick(r, RANKS);
  const other = pick(r, RANKS.filter((x) => x !== rank));
  const days = 20 + Math.floor(r() * 300);
  switch (rule) {
    case 'rank_role_mismatch':
      return { summary: `${character} is ${rank} in game but ${handle} holds the ${other} role on Discord.`, action: `Give ${handle} the ${rank} role, or change the rank in game.` };
    case 'departed_with_roles':
      return { summary: `${character} left the guild ${days} days ago; ${handle} still holds the ${rank} role on Discord.`, action: `Remove the guild roles from ${handle}.` };
    case 'discord_without_character':
      return { summary: `${handle} holds the ${rank} role on Discord, but no character of theirs is in the guild roster.`, action: 'Find their character or take the guild role away.' };
    case 'member_without_role':
      return { summary: `${character} is ${rank} in game and linked to ${handle}, who has no guild role on Discord.`, action: `Give ${handle} the ${rank} role on Discord.` };
    case 'character_without_discord':
      return { summary: `${character} (${rank}) has been in the guild for ${days} days with no Discord account known.`, action: 'Ask in game for their Discord name and link it.' };
    case 'character_claimed_twice':
      return { summary: `${character} is claimed by ${handle} and by another Discord account; only one can be the player.`, action: 'Ask both accounts which one plays the character.' };
    case 'link_contradicted':
      return { summary: `The officer note on ${character} names someone other than ${handle}, whose link is confirmed.`, action: 'Fix the officer note, or undo the confirmed link.' };
    case 'main_not_on_roster':
      return { summary: `The note on ${character} says its main is ${pick(r, NAME_STARTS)}fall, who is not on the roster.`, action: 'Correct the note or invite the main back to the guild.' };
    case 'stale_character':
      return { summary: `${character} (${rank}) has not been seen in game for ${days} days.`, action: 'Consider demoting to Alt or removing from the roster.' };
    case 'character_unavailable':
      return { summary: `Blizzard's API has not shown ${character} for ${days} days: renamed, moved or private.`, action: 'Check the armory and update the character.' };
    case 'same_player_suggested':
      return { summary: `${handle} (${rank}) and ${character} look like the same player: a note names ${handle}.`, action: 'Confirm the suggestion, or reject it if they are not.' };
    case 'sources_disagree':
      return { summary: `The sheet and the notes disagree about ${character}: the sheet gives it to ${handle}.`, action: `Decide whose ${character} is, then fix the sheet or the note.` };
    case 'character_claimed_by_two_rows':
      return { summary: `Two sheet rows give ${character} to different players: ${handle} and another.`, action: 'Keep the row of the player who plays it and fix the other.' };
  }
}

const SEVERITIES: Severity[] = ['action', 'warning', 'info'];

/** 1,000 findings across every rule, with unique subjects so each field names one finding. */
function bigGuild(): Finding[] {
  const r = seeded(20261124);
  return Array.from({ length: 1000 }, (_, i) => {
    const rule = AUDIT_RULES[i % AUDIT_RULES.length]!;
    const name = `${NAME_STARTS[i % NAME_STARTS.length]}${NAME_ENDS[Math.floor(i / NAME_STARTS.length) % NAME_ENDS.length]}`;
    const character = `${name}-${REALMS[i % REALMS.length]}`;
    const handle = `${pick(r, PEOPLE).toLowerCase()}.${100 + i}`;
    const subject = {
      person: r() < 0.2 ? null : pick(r, PEOPLE),
      character: rule === 'discord_without_character' ? null : character,
      discord: rule === 'character_without_discord' ? null : handle,
    };
    return { rule, fingerprint: `${rule}:character:${i}`, severity: pick(r, SEVERITIES), subject, ...words(rule, character, `@${handle}`, r), details: {} };
  });
}

function finding(over: Partial<Finding> & { rule: AuditRule }, i = 0): Finding {
  return {
    fingerprint: `${over.rule}:character:${i}`,
    severity: 'warning',
    subject: { person: 'Rocket', character: `Zatañña-Silvermoon`, discord: `rocket.${i}` },
    summary: 'Zatañña-Silvermoon is Raider in game but holds the Officer role on Discord.',
    action: 'Give @rocket the Raider role.',
    details: {},
    ...over,
  };
}

function report(over: Partial<ReportInput>): ReportInput {
  return { guildName: 'Pull All The Things', generatedAt: '2026-11-24T10:00:00.000Z', first: false, findings: [], resolved: [], ...over };
}

/** The order the report promises, written out again independently of the packer. */
function documentedOrder(findings: Finding[]): Finding[] {
  const section = (f: Finding) => Object.keys(RULE_TITLES).indexOf(f.rule);
  const severity = (f: Finding) => SEVERITIES.indexOf(f.severity);
  const name = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'en', { sensitivity: 'accent' }));
  return [...findings].sort(
    (a, b) =>
      section(a) - section(b) ||
      severity(a) - severity(b) ||
      name(a.subject.person, b.subject.person) ||
      name(a.subject.character, b.subject.character) ||
      name(a.subject.discord, b.subject.discord),
  );
}

const isResolved = (e: DiscordEmbed) => e.title?.startsWith('Resolved since the last report') ?? false;
/** Every finding field as posted, in posting order, with the embed it sits in. */
function postedFindings(messages: DiscordMessage[]): { field: { name: string; value: string }; embed: DiscordEmbed; message: number }[] {
  return messages.flatMap((m, message) =>
    m.embeds
      .filter((e, i) => !(message === 0 && i === 0) && !isResolved(e))
      .flatMap((embed) => (embed.fields ?? []).map((f) => ({ field: { name: f.name, value: f.value }, embed, message }))),
  );
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const r = seeded(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('packReport: a big full audit', () => {
  const findings = bigGuild();
  const resolved = Array.from({ length: 150 }, (_, i) => ({ rule: AUDIT_RULES[i % AUDIT_RULES.length]!, summary: `${NAME_STARTS[i % NAME_STARTS.length]}-${REALMS[i % REALMS.length]} ${i}: the Discord role now matches the rank in game.` }));
  const input = report({ first: true, findings, resolved });
  const messages = packReport(input);

  it('generates what the checker would say (sanity of the test guild)', () => {
    expect(new Set(findings.map((f) => findingField(f).name)).size).toBe(1000);
    expect(new Set(findings.map((f) => f.rule)).size).toBe(AUDIT_RULES.length);
    for (const f of findings) {
      expect(f.summary.length).toBeGreaterThanOrEqual(50);
      expect(f.summary.length).toBeLessThanOrEqual(130);
      expect(f.action.length).toBeGreaterThanOrEqual(25);
      expect(f.action.length).toBeLessThanOrEqual(80);
    }
    expect(findings.some((f) => f.subject.character?.startsWith('Zatañña'))).toBe(true);
    expect(findings.some((f) => f.subject.character?.startsWith('小龍'))).toBe(true);
  });

  it('gives Discord only messages it accepts, also once the poster adds the reference', () => {
    for (const m of messages) {
      expect(messageProblems(m)).toBeNull();
      expect(messageProblems(withReference(m, REF))).toBeNull();
    }
  });

  it('posts every finding exactly once, whole, in the documented order, each under its own heading', () => {
    const posted = postedFindings(messages);
    const shared = new Map(AUDIT_RULES.map((rule) => [rule, sharedAction(findings.filter((f) => f.rule === rule))]));
    expect(posted.map((p) => p.field)).toEqual(documentedOrder(findings).map((f) => findingField(f, shared.get(f.rule)!)));
    const ruleOf = new Map(findings.map((f) => [findingField(f).name, f.rule]));
    for (const p of posted) expect(p.embed.title!.startsWith(RULE_TITLES[ruleOf.get(p.field.name)!])).toBe(true);
  });

  it('starts with the summary of the first full audit and ends with what was resolved, after every finding', () => {
    const summary = messages[0]!.embeds[0]!;
    expect(summary.title).toBe('First full guild audit: Pull All The Things');
    expect(summary.description).toContain('**1,000 new findings**');
    expect(summary.description).toContain(`${RULE_TITLES.rank_role_mismatch}: ${findings.filter((f) => f.rule === 'rank_role_mismatch').length}`);
    expect(findings.filter((f) => f.rule === 'rank_role_mismatch')).toHaveLength(Math.ceil((1000 - AUDIT_RULES.indexOf('rank_role_mismatch')) / AUDIT_RULES.length));
    expect(summary.description).toContain('150 resolved since the last report');
    expect(summary.timestamp).toBe('2026-11-24T10:00:00.000Z');
    const embeds = messages.flatMap((m) => m.embeds);
    const firstResolved = embeds.findIndex(isResolved);
    expect(embeds[firstResolved]!.title).toBe('Resolved since the last report (150)');
    expect(embeds.slice(firstResolved).every(isResolved)).toBe(true);
    const lines = embeds.slice(firstResolved).flatMap((e) => e.description!.split('\n'));
    expect(lines).toHaveLength(150);
    expect(new Set(lines).size).toBe(150);
    expect(lines.every((l) => l.startsWith('✓ '))).toBe(true);
  });

  it('uses few messages: at most 1.2 times the least any packing could', () => {
    const least = minimumMessages(input);
    expect(least).toBeGreaterThan(1);
    expect(messages.length / least).toBeLessThanOrEqual(1.2);
  });

  it('labels every message "part k of N" in its content', () => {
    expect(messages.map((m) => m.content)).toEqual(messages.map((_, k) => `Audit 2026-11-24 · part ${k + 1} of ${messages.length}`));
  });

  it('gives the same bytes for the same findings, whatever order they come in', () => {
    expect(JSON.stringify(packReport(input))).toBe(JSON.stringify(messages));
    const reordered = packReport({ ...input, findings: shuffled(findings, 1), resolved: shuffled(resolved, 2) });
    expect(JSON.stringify(reordered)).toBe(JSON.stringify(messages));
  });
});

describe('findingField', () => {
  it.each([
    ['everyone known', { person: 'Rocket', character: 'Zatañña-Silvermoon', discord: 'rocket' }, 'Rocket · Zatañña-Silvermoon · @rocket'],
    ['no person', { person: null, character: '小龍-Kazzak', discord: 'xiaolong' }, '小龍-Kazzak · @xiaolong'],
    ['only a Discord account, already with @', { person: null, character: null, discord: '@rocket' }, '@rocket'],
    ['only a character', { person: null, character: 'Brightwing-Draenor', discord: null }, 'Brightwing-Draenor'],
    ['nobody named: the fingerprint', { person: null, character: null, discord: '  ' }, 'stale_character:character:0'],
  ])('names the subject: %s', (_, subject, name) => {
    expect(findingField(finding({ rule: 'stale_character', subject })).name).toBe(name);
  });

  it('shows what is wrong, then what to do', () => {
    expect(findingField(finding({ rule: 'stale_character', summary: 'Not seen for 90 days.', action: 'Demote to Alt.' })).value).toBe('Not seen for 90 days.\n→ Demote to Alt.');
  });

  it('cuts a 2,000-character summary with "…" and keeps the action whole', () => {
    const long = finding({ rule: 'rank_role_mismatch', summary: 'Zatañña '.repeat(250), action: 'Give @rocket the Raider role.' });
    const { value } = findingField(long);
    expect(value.length).toBeLessThanOrEqual(1024);
    expect(value).toMatch(/…\n→ Give @rocket the Raider role\.$/);
    const [m] = packReport(report({ findings: [long] }));
    expect(messageProblems(withReference(m!, REF))).toBeNull();
  });

  it('cuts a too-long name to 256 characters with "…"', () => {
    const { name } = findingField(finding({ rule: 'stale_character', subject: { person: '小龍'.repeat(200), character: null, discord: null } }));
    expect(name).toHaveLength(256);
    expect(name.endsWith('…')).toBe(true);
  });
});

describe('packReport: sections', () => {
  const mixed = [
    ...Array.from({ length: 30 }, (_, i) => finding({ rule: 'rank_role_mismatch', severity: i === 17 ? 'action' : 'info' }, i)),
    finding({ rule: 'stale_character', severity: 'info' }, 100),
    finding({ rule: 'stale_character', severity: 'warning' }, 101),
    finding({ rule: 'character_without_discord', severity: 'warning' }, 102),
  ];
  const [message, ...more] = packReport(report({ findings: mixed }));

  it('fits a small report in one message, labelled with the day only', () => {
    expect(more).toEqual([]);
    expect(message!.content).toBe('Audit 2026-11-24');
  });

  it.each([
    // In RULE_TITLES' order (not the checker's), counted, continued after 25 findings, coloured by the worst finding.
    [0, 'Guild audit: Pull All The Things', RED, 0],
    [1, 'Rank and Discord role disagree (30)', RED, 25],
    [2, 'Rank and Discord role disagree (continued)', RED, 5],
    [3, 'In the guild, no Discord account known (1)', YELLOW, 1],
    [4, 'Not seen in game for a while (2)', YELLOW, 2],
  ])('embed %i is "%s"', (i, title, colour, fields) => {
    const e = message!.embeds[i]!;
    expect([e.title, e.color, e.fields?.length ?? 0]).toEqual([title, colour, fields]);
  });

  it('puts the action first within a section', () => {
    expect(message!.embeds[1]!.fields![0]!.name).toBe('Rocket · Zatañña-Silvermoon · @rocket.17');
    expect(message!.embeds[4]!.fields!.map((f) => f.name)).toEqual(['Rocket · Zatañña-Silvermoon · @rocket.101', 'Rocket · Zatañña-Silvermoon · @rocket.100']);
  });

  it('sums up by section and severity', () => {
    expect(message!.embeds[0]!.description).toBe(
      [
        '**33 new findings**: 1 need action · 2 worth a look · 30 for the record',
        '',
        'Rank and Discord role disagree: 30',
        'In the guild, no Discord account known: 1',
        'Not seen in game for a while: 2',
      ].join('\n'),
    );
  });

  it.each([
    ['only information', ['info', 'info'], GREY],
    ['a warning among them', ['info', 'warning'], YELLOW],
    ['one action', ['warning', 'action', 'info'], RED],
  ] as const)('colours a section by its worst finding: %s', (_, severities, colour) => {
    const [m] = packReport(report({ findings: severities.map((severity, i) => finding({ rule: 'departed_with_roles', severity }, i)) }));
    expect(m!.embeds[1]!.color).toBe(colour);
  });
});

describe('packReport: nothing new', () => {
  it('posts nothing when there is nothing to say', () => {
    expect(packReport(report({}))).toEqual([]);
    expect(packReport(report({ first: true }))).toEqual([]);
    expect(minimumMessages(report({}))).toBe(0);
  });

  it('posts one message with what was resolved when nothing new was found', () => {
    const messages = packReport(
      report({
        resolved: [
          { rule: 'stale_character', summary: 'Brightwing-Draenor was seen in game again.' },
          { rule: 'rank_role_mismatch', summary: 'Zatañña-Silvermoon now has the Raider role.' },
          { rule: 'rank_role_mismatch', summary: '小龍-Kazzak now has the Officer role.' },
        ],
      }),
    );
    expect(messages).toHaveLength(1);
    const [summary, resolved, ...rest] = messages[0]!.embeds;
    expect(rest).toEqual([]);
    expect(summary!.description).toBe('No new findings.\n\n3 resolved since the last report');
    expect(resolved).toEqual({
      title: 'Resolved since the last report (3)',
      color: RESOLVED_COLOUR,
      description: ['✓ Zatañña-Silvermoon now has the Raider role.', '✓ 小龍-Kazzak now has the Officer role.', '✓ Brightwing-Draenor was seen in game again.'].join('\n'),
    });
    expect(messageProblems(withReference(messages[0]!, REF))).toBeNull();
    expect(minimumMessages(report({ resolved: [{ rule: 'stale_character', summary: 'x' }] }))).toBe(1);
  });
});

describe('packReport: one story, said once', () => {
  it.each([
    ['no alts', undefined, 'Mike · Trogmoon-senjin · @trog'],
    ['two alts', ['Trogtotem', 'Pattbank'], 'Mike · Trogmoon-senjin (alts: Trogtotem, Pattbank) · @trog'],
    ['five alts: the first three, then how many more', ['Azure-sargeras', 'Pattbank', 'Trogtotem', 'Trogwing', 'Trogzz'], 'Mike · Trogmoon-senjin (alts: Azure-sargeras, Pattbank, Trogtotem +2 more) · @trog'],
  ])('names the alts beside the main: %s', (_, alts, name) => {
    const f = finding({ rule: 'stale_character', subject: { person: 'Mike', character: 'Trogmoon-senjin', discord: 'trog', ...(alts ? { alts } : {}) } });
    expect(findingField(f).name).toBe(name);
  });

  const LINK = 'Link their character (POST /api/identity/link), or remove the guild role if they are not in the guild';
  const orphan = (i: number, action = LINK) => finding({ rule: 'discord_without_character', severity: 'action', subject: { person: null, character: null, discord: `orphan${String(i).padStart(3, '0')}` }, summary: `@orphan${i} holds Member but no character in the guild is linked to them`, action }, i);

  it.each([
    ['every finding shares it: said once, in the heading', [orphan(1), orphan(2), orphan(3)], `→ ${LINK}`, [false, false, false]],
    ['most share it: said once, the others keep their own', [orphan(1), orphan(2, 'Confirm or reject the suggestion waiting'), orphan(3)], `→ ${LINK} (unless a finding says otherwise)`, [false, true, false]],
    ['no action shared by half: each says its own', [orphan(1, 'a'), orphan(2, 'b'), orphan(3, 'c')], undefined, [true, true, true]],
    ['one finding: it says its own', [orphan(1)], undefined, [true]],
  ])('%s', (_, findings, description, ownAction) => {
    const [m] = packReport(report({ findings }));
    const section = m!.embeds[1]!;
    expect(section.description).toBe(description);
    expect(section.fields!.map((f) => f.value.includes('\n→ '))).toEqual(ownAction);
    expect(messageProblems(withReference(m!, REF))).toBeNull();
  });

  it('says the shared action again atop a continuation that opens a new message, and not in one that does not', () => {
    const findings = Array.from({ length: 120 }, (_, i) => orphan(i));
    const messages = packReport(report({ findings }));
    expect(messages.length).toBeGreaterThan(1);
    const sections = messages.flatMap((m, message) => m.embeds.map((e, at) => ({ e, message, at }))).filter(({ e }) => e.title?.startsWith('On Discord'));
    for (const { e, at } of sections) expect(e.description !== undefined).toBe(at === 0 || e.title!.endsWith('(120)'));
    expect(sections.filter(({ e }) => e.description !== undefined).length).toBe(messages.length);
    expect(messages.flatMap((m) => m.embeds.flatMap((e) => e.fields ?? [])).some((f) => f.value.includes('→'))).toBe(false);
    for (const m of messages) expect(messageProblems(withReference(m, REF))).toBeNull();
    expect(messages.length).toBeLessThanOrEqual(minimumMessages(report({ findings })) + 1);
  });

  it.each([
    ['linked', 'character_without_discord', 'Trogmoon-senjin has no Discord account linked', '✓ Trogmoon-senjin has no Discord account linked — now linked'],
    ['came_back', 'stale_character', 'Skatefarm-senjin (Officer) last logged in 45 days ago', '✓ Skatefarm-senjin (Officer) last logged in 45 days ago — came back'],
    ['left', 'discord_without_character', '@oldfriend holds Member but no character in the guild is linked to them', '✓ @oldfriend holds Member but no character in the guild is linked to them — left'],
    ['fixed', 'rank_role_mismatch', "Bloodvalor-alterac-mountains is Member in the guild; @mito's highest guild role is Officer", "✓ Bloodvalor-alterac-mountains is Member in the guild; @mito's highest guild role is Officer — fixed"],
    ['note_fixed', 'main_not_on_roster', 'Public note "Alt of Ghostmain" names Ghostmain, who is not on the roster', '✓ Public note "Alt of Ghostmain" names Ghostmain, who is not on the roster — note fixed'],
    [null, 'stale_character', 'Not seen', '✓ Not seen'],
  ] as const)('says why a finding was resolved: %s', (reason, rule, summary, line) => {
    expect(resolvedLine({ rule, summary, reason })).toBe(line);
  });

  it('keeps the reason whole when a long summary is cut', () => {
    const line = resolvedLine({ rule: 'stale_character', summary: 'Zatañña '.repeat(300), reason: 'came_back' });
    expect(line.length).toBeLessThanOrEqual(1024);
    expect(line).toMatch(/… — came back$/);
  });

  it('does not tell a finding merged into another as resolved', () => {
    const resolved = [
      { rule: 'discord_without_character' as const, summary: '@kazzy holds Member but no character in the guild is linked to them', reason: 'merged' as const },
      { rule: 'character_without_discord' as const, summary: 'Kazgor-senjin has no Discord account linked', reason: 'merged' as const },
    ];
    expect(packReport(report({ resolved }))).toEqual([]);
    const [m] = packReport(report({ resolved: [...resolved, { rule: 'stale_character', summary: 'Not seen', reason: 'came_back' }] }));
    expect(m!.embeds[0]!.description).toContain('1 resolved since the last report');
    expect(m!.embeds[1]!.description).toBe('✓ Not seen — came back');
  });
});

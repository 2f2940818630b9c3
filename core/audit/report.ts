/**
 * The audit report as Discord messages for the guild's #audit-channel. Pure: findings in, messages
 * out, the same bytes for the same findings whatever order they arrive in, so a retried post is the
 * same post. The poster adds each message's footer reference (withReference) and sends them in order.
 */
import { embedCharacters, MESSAGE_LIMITS, type DiscordEmbed, type DiscordMessage } from '../discord/messages';
import { RESOLUTION_WORDS, RULE_TITLES, type AuditRule, type Finding, type ResolutionReason, type Severity } from './types';

export interface ReportInput {
  /** As officers know it, e.g. "Pull All The Things". */
  guildName: string;
  /** ISO time of the run, shown in the first message. */
  generatedAt: string;
  /** The first ever report (the big full audit): the summary says so. */
  first: boolean;
  /** New findings to report, in any order: the report sorts them. */
  findings: Finding[];
  /** Problems that went away since the last report (there may be many), with why when known. */
  resolved: { rule: AuditRule; summary: string; reason?: ResolutionReason | null }[];
}

/**
 * Embed characters kept free in every message for the footer reference the poster adds:
 * withReference adds " · ref xxxxxxxxxx" (17 characters) to the last embed's footer.
 */
export const REFERENCE_ROOM = 40;

/** Embed characters one message may carry once the reference has its room. */
const MESSAGE_BUDGET = MESSAGE_LIMITS.embedCharacters - REFERENCE_ROOM;

/** Sections follow the headings' order (what officers act on first), not the checker's rule order. */
const SECTION_ORDER = Object.keys(RULE_TITLES) as AuditRule[];
const SEVERITY_RANK: Record<Severity, number> = { action: 0, warning: 1, info: 2 };

/** A section's colour is its worst finding's: red when an officer must act, yellow worth a look, grey for the record. */
export const SEVERITY_COLOURS: Record<Severity, number> = { action: 0xe74c3c, warning: 0xf1c40f, info: 0x95a5a6 };
/** Resolved problems are good news. */
export const RESOLVED_COLOUR = 0x2ecc71;
export const RESOLVED_TITLE = 'Resolved since the last report';

/** Names sort as officers read them: case does not matter, accents do; locale fixed so every host agrees. */
const byName = new Intl.Collator('en', { sensitivity: 'accent' });

/** Cut to at most `max` characters ending in "…", never between the two halves of a surrogate pair. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Summaries and actions are one line by contract; a stray newline would break the layout. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A name worth showing, or null (an empty string would make Discord reject the field). */
function shown(name: string | null): string | null {
  const n = name?.trim();
  return n ? n : null;
}

function discordHandle(discord: string | null): string | null {
  const d = shown(discord);
  return d === null ? null : d.startsWith('@') ? d : `@${d}`;
}

function count(n: number): string {
  return n.toLocaleString('en');
}

/** Alts named beside the main, the first few only: a bank of twenty alts would crowd the name out. */
export const ALTS_SHOWN = 3;

/** "Trogmoon-senjin (alts: Trogtotem, Pattbank)", or "(alts: A, B, C +2 more)". */
function withAlts(character: string | null, alts: string[] | undefined): string | null {
  const names = (alts ?? []).map((a) => a.trim()).filter(Boolean);
  if (character === null || names.length === 0) return character;
  const more = names.length > ALTS_SHOWN ? ` +${names.length - ALTS_SHOWN} more` : '';
  return `${character} (alts: ${names.slice(0, ALTS_SHOWN).join(', ')}${more})`;
}

/**
 * One finding as an embed field: who (person · character and alts · @discord, whichever are known)
 * and what is wrong with what to do. The action is left out when its section says it once for all
 * (`shared`). A long summary gives way before the action, which keeps up to half the field: the
 * action is what the officer came for.
 */
export function findingField(f: Finding, shared: string | null = null): { name: string; value: string } {
  const who = [shown(f.subject.person), withAlts(shown(f.subject.character), f.subject.alts), discordHandle(f.subject.discord)].filter((s): s is string => s !== null);
  // With nobody named the fingerprint still tells officers (and the checker) which subject it is.
  const name = clip(who.length > 0 ? who.join(' · ') : f.fingerprint, MESSAGE_LIMITS.fieldName);
  const action = oneLine(f.action);
  return { name, value: findingValue(oneLine(f.summary), shared !== null && action === shared ? '' : action) };
}

/**
 * The action a section says once, in its heading's description, instead of under each finding:
 * the one most of its findings share (at least two, and at least half of them; ties to the first
 * in code-unit order, so the same findings always give the same words). Null: each says its own.
 */
export function sharedAction(findings: Finding[]): string | null {
  const counts = new Map<string, number>();
  for (const f of findings) {
    const a = oneLine(f.action);
    if (a) counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  let best: [string, number] | null = null;
  for (const [a, n] of counts) if (!best || n > best[1] || (n === best[1] && a < best[0])) best = [a, n];
  return best && best[1] >= 2 && best[1] * 2 >= findings.length ? best[0] : null;
}

/** The section's description saying its shared action once. */
function sharedActionLine(action: string, all: boolean): string {
  return clip(all ? `→ ${action}` : `→ ${action} (unless a finding says otherwise)`, MESSAGE_LIMITS.description);
}

function findingValue(summary: string, action: string): string {
  const max = MESSAGE_LIMITS.fieldValue;
  if (!action) return clip(summary || '—', max);
  const actionLine = `→ ${action}`;
  if (!summary) return clip(actionLine, max);
  const shownSummary = clip(summary, max - 1 - Math.min(actionLine.length, max / 2));
  return `${shownSummary}\n${clip(actionLine, max - 1 - shownSummary.length)}`;
}

/** Nulls after names: a finding about a named person reads before one about nobody in particular. */
function compareNames(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return byName.compare(a, b);
}

/** Plain code-unit order: the last word when the collator calls two texts equal ("Ash" and "ash"). */
function compareExact(a: string | null, b: string | null): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The report's order: section, then action > warning > info, then person, character, Discord account. */
function compareFindings(a: Finding, b: Finding): number {
  const s = a.subject;
  const t = b.subject;
  return (
    SECTION_ORDER.indexOf(a.rule) - SECTION_ORDER.indexOf(b.rule) ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    compareNames(shown(s.person), shown(t.person)) ||
    compareNames(shown(s.character), shown(t.character)) ||
    compareNames(shown(s.discord), shown(t.discord)) ||
    // Ties that officers cannot see still need an order, or shuffled input would give other bytes.
    compareExact(s.person, t.person) ||
    compareExact(s.character, t.character) ||
    compareExact(s.discord, t.discord) ||
    compareExact(a.summary, b.summary) ||
    compareExact(a.action, b.action) ||
    compareExact(a.fingerprint, b.fingerprint)
  );
}

type Field = { name: string; value: string };

/** One heading's worth of the report: findings as fields, or resolved problems as description lines. */
interface Section {
  title: string;
  continuedTitle: string;
  /** The action said once for the section: on its first embed, and again atop a new message. */
  description: string | null;
  colour: number;
  fields: Field[];
  lines: string[];
}

interface Layout {
  summary: DiscordEmbed;
  sections: Section[];
}

function findingSections(findings: Finding[]): Section[] {
  const sorted = [...findings].sort(compareFindings);
  return SECTION_ORDER.flatMap((rule) => {
    const own = sorted.filter((f) => f.rule === rule);
    if (own.length === 0) return [];
    // Sorted by severity first, so the section's worst finding is its first.
    const colour = SEVERITY_COLOURS[own[0]!.severity];
    const heading = RULE_TITLES[rule];
    const shared = sharedAction(own);
    return [
      {
        title: clip(`${heading} (${count(own.length)})`, MESSAGE_LIMITS.title),
        continuedTitle: clip(`${heading} (continued)`, MESSAGE_LIMITS.title),
        description: shared === null ? null : sharedActionLine(shared, own.every((f) => oneLine(f.action) === shared)),
        colour,
        fields: own.map((f) => findingField(f, shared)),
        lines: [],
      },
    ];
  });
}

/** "✓ <what was wrong> — <why it is not any more>"; the reason is kept whole when the summary is cut. */
export function resolvedLine(r: ReportInput['resolved'][number]): string {
  const why = r.reason && r.reason !== 'merged' ? ` — ${RESOLUTION_WORDS[r.reason]}` : '';
  return `${clip(`✓ ${oneLine(r.summary)}`, MESSAGE_LIMITS.fieldValue - why.length)}${why}`;
}

function resolvedSection(resolved: ReportInput['resolved']): Section[] {
  if (resolved.length === 0) return [];
  const lines = resolved
    .map((r) => ({ rank: SECTION_ORDER.indexOf(r.rule), line: resolvedLine(r) }))
    .sort((a, b) => a.rank - b.rank || byName.compare(a.line, b.line) || compareExact(a.line, b.line))
    .map((r) => r.line);
  return [{ title: `${RESOLVED_TITLE} (${count(lines.length)})`, continuedTitle: `${RESOLVED_TITLE} (continued)`, description: null, colour: RESOLVED_COLOUR, fields: [], lines }];
}

function summaryEmbed(input: ReportInput): DiscordEmbed {
  const { findings, resolved } = input;
  const bySeverity = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const kinds = [
    [bySeverity('action'), 'need action'],
    [bySeverity('warning'), 'worth a look'],
    [bySeverity('info'), 'for the record'],
  ] as const;
  const lines: string[] = [];
  if (input.first) lines.push('The first full audit: everything the checker finds today, not only what changed.');
  lines.push(
    findings.length === 0
      ? 'No new findings.'
      : `**${count(findings.length)} new finding${findings.length === 1 ? '' : 's'}**: ${kinds
          .filter(([n]) => n > 0)
          .map(([n, what]) => `${count(n)} ${what}`)
          .join(' · ')}`,
  );
  const perSection = SECTION_ORDER.map((rule) => [RULE_TITLES[rule], findings.filter((f) => f.rule === rule).length] as const).filter(([, n]) => n > 0);
  if (perSection.length > 0) lines.push('', ...perSection.map(([title, n]) => `${title}: ${count(n)}`));
  if (resolved.length > 0) lines.push('', `${count(resolved.length)} resolved since the last report`);
  const worst = [...findings].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])[0];
  const at = Date.parse(input.generatedAt);
  return {
    title: clip(`${input.first ? 'First full guild audit' : 'Guild audit'}: ${input.guildName}`, MESSAGE_LIMITS.title),
    description: clip(lines.join('\n'), MESSAGE_LIMITS.description),
    color: worst ? SEVERITY_COLOURS[worst.severity] : RESOLVED_COLOUR,
    // Discord shows the timestamp in each officer's own time zone; an unreadable one would be a 400.
    ...(Number.isNaN(at) ? {} : { timestamp: new Date(at).toISOString() }),
  };
}

/** Null when there is nothing to post. */
function layout(given: ReportInput): Layout | null {
  // Findings now told another way (merged into one story) were not resolved: not good news to post.
  const input = { ...given, resolved: given.resolved.filter((r) => r.reason !== 'merged') };
  if (input.findings.length === 0 && input.resolved.length === 0) return null;
  return { summary: summaryEmbed(input), sections: [...findingSections(input.findings), ...resolvedSection(input.resolved)] };
}

/** Characters an item adds to an embed that already holds `embed`'s content. */
function itemCost(embed: DiscordEmbed, item: Field | string): number {
  if (typeof item !== 'string') return item.name.length + item.value.length;
  return embed.description ? item.length + 1 : item.length;
}

function itemFits(embed: DiscordEmbed, item: Field | string): boolean {
  if (typeof item !== 'string') return (embed.fields?.length ?? 0) < MESSAGE_LIMITS.fields;
  return (embed.description?.length ?? 0) + itemCost(embed, item) <= MESSAGE_LIMITS.description;
}

function addItem(embed: DiscordEmbed, item: Field | string): void {
  if (typeof item !== 'string') embed.fields = [...(embed.fields ?? []), item];
  else embed.description = embed.description ? `${embed.description}\n${item}` : item;
}

/**
 * Greedy, in order: an item joins the section's open embed while it has a field (or description)
 * slot and the message has characters left; otherwise a new embed of the same section, titled
 * "(continued)" after the first; otherwise a new message. Items are never split.
 */
function pack({ summary, sections }: Layout): DiscordEmbed[][] {
  const messages: DiscordEmbed[][] = [[summary]];
  let used = embedCharacters([summary]);
  for (const section of sections) {
    let open: DiscordEmbed | null = null;
    const items: (Field | string)[] = [...section.fields, ...section.lines];
    for (const item of items) {
      const current = messages[messages.length - 1]!;
      if (open && itemFits(open, item) && used + itemCost(open, item) <= MESSAGE_BUDGET) {
        used += itemCost(open, item);
        addItem(open, item);
        continue;
      }
      // The shared action heads the section, and again a continuation that opens a new message,
      // so officers never scroll back a message to learn what to do.
      const embedFor = (newMessage: boolean): DiscordEmbed => ({
        title: open ? section.continuedTitle : section.title,
        ...(section.description !== null && (!open || newMessage) ? { description: section.description } : {}),
        color: section.colour,
      });
      const costOf = (e: DiscordEmbed) => e.title!.length + (e.description?.length ?? 0) + itemCost(e, item);
      let fresh = embedFor(false);
      if (current.length >= MESSAGE_LIMITS.embeds || used + costOf(fresh) > MESSAGE_BUDGET) {
        fresh = embedFor(true);
        messages.push([fresh]);
        used = costOf(fresh);
      } else {
        current.push(fresh);
        used += costOf(fresh);
      }
      addItem(fresh, item);
      open = fresh;
    }
  }
  return messages;
}

/** "Audit 2026-11-24", with "· part k of N" when the report takes several messages. */
function partLabel(generatedAt: string, part: number, parts: number): string {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(generatedAt)?.[0] ?? generatedAt;
  return clip(parts > 1 ? `Audit ${day} · part ${part} of ${parts}` : `Audit ${day}`, MESSAGE_LIMITS.content);
}

/**
 * The report as messages to post in order: a summary embed first, then one section per rule in
 * RULE_TITLES' order, then what was resolved. Nothing to report gives [] (nothing to post).
 */
export function packReport(input: ReportInput): DiscordMessage[] {
  const plan = layout(input);
  if (!plan) return [];
  const messages = pack(plan);
  return messages.map((embeds, i) => ({ content: partLabel(input.generatedAt, i + 1, messages.length), embeds }));
}

/**
 * A lower bound on the messages any packing of this report needs (to judge the packer by):
 * max(ceil(characters / (6000 − REFERENCE_ROOM)), ceil(embeds / 10)), where
 * - characters = the summary embed's title and description + each section's first title and
 *   shared action + every
 *   finding field's name and value (findingField) + every resolved line; continuation titles and
 *   the newlines between resolved lines are left out, as a packing could need few of them;
 * - embeds = 1 (the summary) + ceil(fields / 25) for each findings section + ceil(resolved line
 *   characters / 4096) for the resolved section, since no embed holds two sections. This is never
 *   below ceil(all fields / (10 × 25)).
 */
export function minimumMessages(input: ReportInput): number {
  const plan = layout(input);
  if (!plan) return 0;
  let characters = embedCharacters([plan.summary]);
  let embeds = 1;
  for (const s of plan.sections) {
    const lineCharacters = s.lines.reduce((n, l) => n + l.length, 0);
    characters += s.title.length + (s.description?.length ?? 0) + s.fields.reduce((n, f) => n + f.name.length + f.value.length, 0) + lineCharacters;
    embeds += Math.ceil(s.fields.length / MESSAGE_LIMITS.fields) + Math.ceil(lineCharacters / MESSAGE_LIMITS.description);
  }
  return Math.max(Math.ceil(characters / MESSAGE_BUDGET), Math.ceil(embeds / MESSAGE_LIMITS.embeds));
}

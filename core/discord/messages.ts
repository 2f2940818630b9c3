import { createHash } from 'node:crypto';

/**
 * Discord's limits on one message (checked here so a too-large report fails with a clear message
 * before anything is sent, instead of a 400 after retries).
 */
export const MESSAGE_LIMITS = { embeds: 10, embedCharacters: 6000, content: 2000, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256 } as const;

export interface DiscordEmbed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  footer?: { text: string };
  author?: { name: string };
  fields?: { name: string; value: string; inline?: boolean }[];
}

export interface DiscordMessage {
  content?: string;
  embeds: DiscordEmbed[];
}

/** Characters Discord counts against the 6,000 limit: titles, descriptions, field names and values, footers, authors. */
export function embedCharacters(embeds: DiscordEmbed[]): number {
  let n = 0;
  for (const e of embeds) {
    n += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
    for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  }
  return n;
}

/** What is wrong with a message for Discord, or null when it fits. */
export function messageProblems(m: DiscordMessage): string | null {
  const problems: string[] = [];
  if (m.embeds.length === 0 && !m.content) problems.push('it is empty');
  if (m.embeds.length > MESSAGE_LIMITS.embeds) problems.push(`${m.embeds.length} embeds (at most ${MESSAGE_LIMITS.embeds})`);
  const chars = embedCharacters(m.embeds);
  if (chars > MESSAGE_LIMITS.embedCharacters) problems.push(`${chars} characters in embeds (at most ${MESSAGE_LIMITS.embedCharacters})`);
  if ((m.content?.length ?? 0) > MESSAGE_LIMITS.content) problems.push(`content of ${m.content!.length} characters (at most ${MESSAGE_LIMITS.content})`);
  m.embeds.forEach((e, i) => {
    if ((e.title?.length ?? 0) > MESSAGE_LIMITS.title) problems.push(`embed ${i + 1} title over ${MESSAGE_LIMITS.title} characters`);
    if ((e.description?.length ?? 0) > MESSAGE_LIMITS.description) problems.push(`embed ${i + 1} description over ${MESSAGE_LIMITS.description} characters`);
    if ((e.fields?.length ?? 0) > MESSAGE_LIMITS.fields) problems.push(`embed ${i + 1} has ${e.fields!.length} fields (at most ${MESSAGE_LIMITS.fields})`);
    for (const f of e.fields ?? []) {
      if (f.name.length > MESSAGE_LIMITS.fieldName || f.value.length > MESSAGE_LIMITS.fieldValue) problems.push(`embed ${i + 1} field "${f.name.slice(0, 40)}" too long`);
    }
  });
  return problems.length ? problems.join('; ') : null;
}

/**
 * The nonce for one logical message: the same every time it is (re)sent, so Discord's enforce_nonce
 * returns the message already created instead of a second one. Discord allows 25 characters.
 */
export function messageNonce(guildId: number, logicalKey: string): string {
  return createHash('sha256').update(`${guildId}:${logicalKey}`).digest('hex').slice(0, 25);
}

/** A short reference printed in the footer: how a later attempt recognises the message in the channel. */
export function messageReference(nonce: string): string {
  return `ref ${nonce.slice(0, 10)}`;
}

/** The message as sent: the reference joins the last embed's footer (or the content, with no embeds). */
export function withReference(m: DiscordMessage, reference: string): DiscordMessage {
  if (m.embeds.length === 0) return { ...m, content: `${m.content ?? ''}\n-# ${reference}`.trim() };
  const embeds = m.embeds.map((e) => ({ ...e }));
  const last = embeds[embeds.length - 1]!;
  last.footer = { text: last.footer?.text ? `${last.footer.text} · ${reference}` : reference };
  return { ...m, embeds };
}

/** Whether a message found in the channel carries this reference. */
export function carriesReference(m: { content?: string; embeds?: { footer?: { text?: string } }[] }, reference: string): boolean {
  return Boolean(m.content?.includes(reference) || m.embeds?.some((e) => e.footer?.text?.includes(reference)));
}

const DISCORD_EPOCH = 1420070400000n;
/** The smallest snowflake of a moment: "messages after this time" for GET /channels/{id}/messages. */
export function snowflakeAt(ms: number): string {
  return ((BigInt(Math.max(ms, 1420070400000)) - DISCORD_EPOCH) << 22n).toString();
}

import { z } from 'zod';
import type { StandinMessage } from './shapes';
import { compareSnowflakes, discordTimestamp, type SnowflakeClock } from './snowflake';

/**
 * Messages posted to the stand-in: Discord's validation of a message body (the 10-embed and
 * 6,000-character limits the reporter must respect) and `nonce` + `enforce_nonce` deduplication,
 * which is what makes a re-sent POST safe.
 */

/** One entry of Discord's `errors` tree: `{ embeds: { 0: { title: { _errors: [...] } } } }`. */
export interface FieldError {
  code: string;
  message: string;
}
export type ErrorTree = { _errors?: FieldError[] } & { [key: string]: ErrorTree | FieldError[] | undefined };

export function addError(tree: ErrorTree, path: ReadonlyArray<PropertyKey>, error: FieldError): void {
  let node = tree;
  for (const key of path) {
    const k = String(key);
    node[k] ??= {};
    node = node[k] as ErrorTree;
  }
  (node._errors ??= []).push(error);
}

const embedSchema = z.looseObject({
  title: z.string().max(256).optional(),
  type: z.string().optional(),
  description: z.string().max(4096).optional(),
  url: z.string().optional(),
  timestamp: z.string().optional(),
  color: z.number().int().min(0).max(0xffffff).nullable().optional(),
  footer: z.looseObject({ text: z.string().min(1).max(2048), icon_url: z.string().optional() }).optional(),
  image: z.looseObject({ url: z.string() }).optional(),
  thumbnail: z.looseObject({ url: z.string() }).optional(),
  author: z.looseObject({ name: z.string().min(1).max(256), url: z.string().optional(), icon_url: z.string().optional() }).optional(),
  fields: z
    .array(z.looseObject({ name: z.string().min(1).max(256), value: z.string().min(1).max(1024), inline: z.boolean().optional() }))
    .max(25)
    .optional(),
});

/** Unknown keys pass, as on Discord; only what the stand-in can check is checked. */
const messageSchema = z.looseObject({
  content: z.string().max(2000).optional(),
  embeds: z.array(embedSchema).max(10).optional(),
  nonce: z.unknown().optional(),
  enforce_nonce: z.boolean().optional(),
  tts: z.boolean().optional(),
  flags: z.number().int().optional(),
});

export type MessageBody = z.infer<typeof messageSchema>;
type Embed = z.infer<typeof embedSchema>;

export type Validation =
  | { ok: true; body: MessageBody & { embeds: Embed[] } }
  | { ok: false; message: string; code: number; errors?: ErrorTree };

function fieldError(issue: z.core.$ZodIssue): FieldError {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'number'
        ? { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${String(issue.maximum)}.` }
        : { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(issue.maximum)} or fewer in length.` };
    case 'too_small':
      return issue.origin === 'number'
        ? { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${String(issue.minimum)}.` }
        : { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
    case 'invalid_type':
      if (issue.input === undefined) return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
      if (issue.expected === 'object') return { code: 'MODEL_TYPE_CONVERT', message: 'Expected an object/dictionary.' };
      if (issue.expected === 'array') return { code: 'BASE_TYPE_BAD_TYPE', message: 'Must be an array.' };
      if (issue.expected === 'int' || issue.expected === 'number') {
        return { code: 'NUMBER_TYPE_COERCE', message: `Value "${String(issue.input)}" is not int.` };
      }
      if (issue.expected === 'boolean') return { code: 'BOOLEAN_TYPE_CONVERT', message: 'Must be either true or false.' };
      return { code: 'STRING_TYPE_CONVERT', message: `Could not interpret "${String(issue.input)}" as string.` };
    default:
      return { code: 'BASE_TYPE_INVALID', message: issue.message };
  }
}

/** Characters that count towards the 6,000 limit, over all embeds of a message. */
export function embedTextLength(embeds: ReadonlyArray<Embed>): number {
  let n = 0;
  for (const e of embeds) {
    n += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
    for (const f of e.fields ?? []) n += f.name.length + f.value.length;
  }
  return n;
}

export function validateMessage(raw: unknown): Validation {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, message: 'Invalid Form Body', code: 50035, errors: { _errors: [{ code: 'MODEL_TYPE_CONVERT', message: 'Expected an object/dictionary.' }] } };
  }
  const errors: ErrorTree = {};
  const parsed = messageSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) for (const issue of parsed.error.issues) addError(errors, issue.path, fieldError(issue));

  const nonce = (raw as { nonce?: unknown }).nonce;
  if (nonce !== undefined && nonce !== null) {
    if (typeof nonce === 'string') {
      if (nonce.length > 25) addError(errors, ['nonce'], { code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' });
    } else if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce)) {
      addError(errors, ['nonce'], { code: 'NONCE_TYPE_INVALID_TYPE', message: 'This field must be a string or integer.' });
    }
  }
  if (parsed.success && embedTextLength(parsed.data.embeds ?? []) > 6000) {
    addError(errors, ['embeds'], { code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' });
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, message: 'Invalid Form Body', code: 50035, errors };

  const body = { ...parsed.data, embeds: parsed.data.embeds ?? [] };
  if (!body.content && body.embeds.length === 0) return { ok: false, message: 'Cannot send an empty message', code: 50006 };
  return { ok: true, body };
}

export interface MessagePage {
  limit: number;
  before?: string;
  after?: string;
  around?: string;
}

export class MessageStore {
  private readonly byChannel = new Map<string, StandinMessage[]>();
  private readonly nonces = new Map<string, { message: StandinMessage; at: number }>();

  constructor(
    private readonly clock: SnowflakeClock,
    public nonceWindowMs: number,
  ) {}

  private nonceKey(channelId: string, authorId: string, nonce: string | number): string {
    return `${channelId}/${authorId}/${String(nonce)}`;
  }

  /** The message this author already posted here with this nonce within the window, if any. */
  findByNonce(channelId: string, authorId: string, nonce: string | number, now = Date.now()): StandinMessage | undefined {
    const hit = this.nonces.get(this.nonceKey(channelId, authorId, nonce));
    return hit && now - hit.at <= this.nonceWindowMs ? hit.message : undefined;
  }

  create(channelId: string, author: StandinMessage['author'], body: MessageBody & { embeds: Embed[] }, now = Date.now()): StandinMessage {
    const nonce = typeof body.nonce === 'string' || typeof body.nonce === 'number' ? body.nonce : null;
    const message: StandinMessage = {
      id: this.clock.next(now),
      channel_id: channelId,
      author,
      content: body.content ?? '',
      embeds: body.embeds.map((e) => ({ type: 'rich', ...e })),
      nonce,
      timestamp: discordTimestamp(now),
    };
    let list = this.byChannel.get(channelId);
    if (!list) this.byChannel.set(channelId, (list = []));
    list.push(message);
    if (nonce !== null) {
      this.nonces.set(this.nonceKey(channelId, author.id, nonce), { message, at: now });
      if (this.nonces.size > 10_000) this.prune(now);
    }
    return message;
  }

  private prune(now: number): void {
    for (const [key, { at }] of this.nonces) if (now - at > this.nonceWindowMs) this.nonces.delete(key);
  }

  /** Oldest first, as posted. */
  list(channelId: string): StandinMessage[] {
    return [...(this.byChannel.get(channelId) ?? [])];
  }

  get(channelId: string, id: string): StandinMessage | undefined {
    return this.byChannel.get(channelId)?.find((m) => m.id === id);
  }

  lastMessageIds(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [channel, list] of this.byChannel) if (list.length > 0) out.set(channel, list[list.length - 1]!.id);
    return out;
  }

  /** GET /channels/{id}/messages: newest first, like Discord, whichever of before/after/around is given. */
  page(channelId: string, { limit, before, after, around }: MessagePage): StandinMessage[] {
    const all = this.byChannel.get(channelId) ?? [];
    let picked: StandinMessage[];
    if (around) {
      const older = all.filter((m) => compareSnowflakes(m.id, around) <= 0).slice(-Math.ceil(limit / 2));
      const newer = all.filter((m) => compareSnowflakes(m.id, around) > 0).slice(0, limit - older.length);
      picked = [...older, ...newer];
    } else if (after) {
      picked = all.filter((m) => compareSnowflakes(m.id, after) > 0).slice(0, limit);
    } else {
      const upTo = before ? all.filter((m) => compareSnowflakes(m.id, before) < 0) : all;
      picked = upTo.slice(-limit);
    }
    return picked.reverse();
  }

  clear(): void {
    this.byChannel.clear();
    this.nonces.clear();
  }
}

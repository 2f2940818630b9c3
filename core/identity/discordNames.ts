/**
 * Every name a Discord member goes by: the username, the global (display) name and the server
 * nickname, whole and in parts. Officers' nicknames carry decorations and second names ("【PATT】Skate",
 * "Zatañña (Rocket)", "Mike | GM", "Trogmoon-Senjin"); a character's name is one of the parts.
 */
import { exactNameKey, foldedNameKey } from './names';
import { notAName } from './notes';

export interface DiscordMemberNames {
  username: string;
  globalName: string | null;
  nickname: string | null;
}

export type DiscordNameSource = 'username' | 'global_name' | 'nickname';

export interface DiscordName {
  name: string;
  from: DiscordNameSource;
  /** true for the whole field, false for a part split out of it. */
  whole: boolean;
  exactKey: string;
  foldedKey: string;
}

export interface DiscordNamesOptions {
  /** The guild's tag ("PATT"): members wear it in their names, it names none of them. */
  guildTags?: string[];
}

/** Words in server names that say a rank, role or title, not who someone is (besides those notes never read as names). */
const RANK_WORDS = new Set(['co', 'rl', 'gl', 'mod', 'mods', 'admin', 'bot', 'staff', 'lead', 'raidlead', 'officer', 'gm', 'dr', 'mr', 'mrs', 'ms', 'jr', 'sr', 'xx']);

/**
 * Zero-width characters, variation selectors and tag characters: invisible glue of emoji, which would
 * otherwise stick to a name ("Mike\uFE0F" is "Mike").
 */
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF\uFE00-\uFE0F\u{E0000}-\u{E007F}]/gu;
/**
 * A part: letters of any script and digits, apostrophes only inside (Zul'jin). Everything else —
 * spaces, | / , - brackets of every kind, bullets, stars, emoji — separates parts.
 */
const PART = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:['’][\p{L}\p{M}\p{N}]+)*/gu;

/**
 * The distinct names a member goes by, in a fixed order: the whole username, global name and
 * nickname, then their parts in the same order; each name once (by exact key). Wholes come first so a
 * nickname that is exactly "Trog" is kept as a whole even when the username "trog.moon" has it as a part.
 */
export function discordNames(member: DiscordMemberNames, options: DiscordNamesOptions = {}): DiscordName[] {
  const tags = new Set((options.guildTags ?? []).map((t) => foldedNameKey(t)));
  const fields: [DiscordNameSource, string | null][] = [
    // "Trog#1234" (legacy tag) and "trog#0" (new usernames, as some APIs show them) are the user "Trog", "trog".
    ['username', tidy(member.username).replace(/^@/, '').replace(/#\d{1,4}$/, '')],
    ['global_name', member.globalName === null ? null : tidy(member.globalName)],
    ['nickname', member.nickname === null ? null : tidy(member.nickname)],
  ];

  const names: DiscordName[] = [];
  const seen = new Set<string>();
  const add = (name: string, from: DiscordNameSource, whole: boolean) => {
    const exactKey = exactNameKey(name);
    if (seen.has(exactKey)) return;
    seen.add(exactKey);
    names.push({ name, from, whole, exactKey, foldedKey: foldedNameKey(name) });
  };

  for (const [from, text] of fields) if (text && /\p{L}/u.test(text)) add(text, from, true);
  for (const [from, text] of fields) {
    if (!text) continue;
    for (const part of partsOf(text, from === 'username')) {
      if (!tags.has(foldedNameKey(part))) add(part, from, false);
    }
  }
  return names;
}

/** Full-width and styled letters as plain ones (Ｓｋａｔｅ, 𝓢𝓴𝓪𝓽𝓮 → Skate), invisible characters gone, one space between words. */
function tidy(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** The parts of a name that may be a character's or player's name. */
function partsOf(text: string, username: boolean): string[] {
  const parts: string[] = [];
  for (const m of text.matchAll(PART)) {
    const part = m[0];
    const at = m.index!;
    // "Trogmoon-Senjin": what follows a hyphen inside a word is the realm, not a second name.
    if (!username && at >= 2 && text[at - 1] === '-' && /[\p{L}\p{M}\p{N}]/u.test(text[at - 2]!)) continue;
    const letters = (part.match(/\p{L}/gu) ?? []).length;
    // New usernames glue words with dots and underscores ("mike.trog"): only real words, not "sk8" or "er".
    if (letters < (username ? 3 : 2)) continue;
    if (notAName(part) || RANK_WORDS.has(part.toLocaleLowerCase('en-US'))) continue;
    parts.push(part);
  }
  return parts;
}

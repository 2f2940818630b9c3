import type { Evidence } from './matching';

/**
 * Why a link is held for officers (stored in `identity_links.flag`). Sources disagreeing is never
 * settled silently: the link carries the flag, the audit turns it into a finding that names both
 * sides, and officers decide.
 *
 * - `notes_contradict`: an officer's own decision the notes now contradict (the link stays confirmed).
 * - `sources_disagree`: the sheet (or another source that is not an officer's decision) says one
 *   thing and the notes another; the link is only a suggestion until an officer decides.
 * - `claimed_twice`: two sheet rows give one character to two players; both are only suggestions.
 */
export type LinkFlagKind = 'notes_contradict' | 'sources_disagree' | 'claimed_twice';

export interface LinkFlag {
  kind: LinkFlagKind;
  /** One line naming both sides: `the sheet gives Kazgor to @kaz; its notes name Trogmoon, Mike's main`. */
  reason: string;
  /** What an officer does to settle it. */
  action: string;
  evidence: Evidence[];
}

/** Flags stored before kinds existed were all notes contradicting a decided link. */
export function readLinkFlag(stored: unknown): LinkFlag | null {
  if (!stored || typeof stored !== 'object') return null;
  const f = stored as Partial<LinkFlag>;
  return {
    kind: f.kind ?? 'notes_contradict',
    reason: f.reason ?? '',
    action: f.action ?? 'Fix the note, or move the link and remove the old one',
    evidence: Array.isArray(f.evidence) ? f.evidence : [],
  };
}

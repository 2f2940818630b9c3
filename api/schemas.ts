import { z } from 'zod';

/**
 * The API's input building blocks, in one place. Every route's params, query and body use these,
 * so nothing a client sends reaches PostgreSQL unbounded: ids fit an `integer` column, text has no
 * NUL (PostgreSQL refuses it in text) and no lone UTF-16 surrogate (it cannot be encoded as
 * UTF-8), and each string and page has a size. The OpenAPI document shows the same bounds.
 */

/** PostgreSQL's `integer` (and `serial` ids): 2³¹−1. */
export const PG_INT_MAX = 2_147_483_647;

/**
 * The document's pattern for text: no NUL. Lone surrogates are refused as well, but they are not
 * valid Unicode, so a JSON Schema string (code points) cannot hold one and no portable pattern
 * names them (`\uD800-\uDFFF` and `\p{Cs}` are dropped by tools such as schemathesis); the
 * document's description says so.
 */
export const TEXT_PATTERN = '^[^\\u0000]*$';

/** NUL, or a surrogate not part of a high+low pair. */
const BAD_CHARACTER = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function badCharacterMessage(s: string): string | null {
  const m = BAD_CHARACTER.exec(s);
  if (!m) return null;
  const what = m[0] === '\u0000' ? 'a NUL character (\\u0000)' : `a lone UTF-16 surrogate (\\u${m[0].charCodeAt(0).toString(16).toUpperCase()})`;
  return `contains ${what} at position ${m.index}; send UTF-8 text without it`;
}

/** A row id: a whole number from 1 to 2³¹−1. */
export const id = (what = 'id') =>
  z
    .number({ error: `${what} must be a whole number from 1 to ${PG_INT_MAX}` })
    .int({ error: `${what} must be a whole number from 1 to ${PG_INT_MAX}` })
    .min(1, { error: `${what} must be a whole number from 1 to ${PG_INT_MAX}` })
    .max(PG_INT_MAX, { error: `${what} must be at most ${PG_INT_MAX}` });

/**
 * A row id in a path or query string: digits only (no "1e3", "0x1f", " 7" or "-0"), then the same
 * bounds. The document shows it as an integer within them.
 */
export const idParam = (what = 'id') =>
  z
    .string()
    .regex(/^[0-9]{1,10}$/, { error: `${what} must be a whole number from 1 to ${PG_INT_MAX}` })
    .transform(Number)
    .pipe(id(what))
    .meta({ type: 'integer', minimum: 1, maximum: PG_INT_MAX, example: 42 } as Record<string, unknown>);

export interface TextOptions {
  /** Shortest length after trimming (default 0). */
  min?: number;
  /** Trim surrounding whitespace (default true); CSV texts keep theirs. */
  trim?: boolean;
}

/** Text a person typed: trimmed, at most `max` characters, no NUL, no lone surrogates. */
export function text(max: number, opts: TextOptions = {}) {
  const base = opts.trim === false ? z.string() : z.string().trim();
  let s = base.max(max, { error: `must be at most ${max} characters` });
  if (opts.min) s = s.min(opts.min, { error: opts.min === 1 ? 'must not be empty' : `must be at least ${opts.min} characters` });
  return s
    .superRefine((value, ctx) => {
      const problem = badCharacterMessage(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: value });
    })
    .meta({ pattern: TEXT_PATTERN });
}

/** Pages of at most 200 items, at most 10,000 pages deep (beyond that, narrow the search). */
export const PAGE_MAX = 10_000;
export const PAGE_SIZE_MAX = 200;

const boundedInt = (name: string, max: number, fallback: number) =>
  z
    .string()
    .regex(/^[0-9]{1,6}$/, { error: `${name} must be a whole number from 1 to ${max}` })
    .transform(Number)
    .pipe(z.number().int().min(1, { error: `${name} must be a whole number from 1 to ${max}` }).max(max, { error: `${name} must be at most ${max}` }))
    .optional()
    .transform((v) => v ?? fallback)
    .meta({ type: 'integer', minimum: 1, maximum: max, default: fallback } as Record<string, unknown>);

/** ?page=&pageSize= */
export const pageQuery = z.object({
  page: boundedInt('page', PAGE_MAX, 1),
  pageSize: boundedInt('pageSize', PAGE_SIZE_MAX, 50),
});

/** A yes/no in a query string: exactly "true" or "false". */
export const queryBoolean = (description: string) =>
  z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .meta({ description });

/** A JSON boolean: true or false, never "true", 1 or "yes". */
export const boolean = () => z.boolean({ error: 'must be true or false (a JSON boolean)' });

import type { z } from 'zod';
import { MAX_SAVED_VARIABLES_BYTES, firstProblem, savedVariablesSchema, type AddonExport } from './exportSchema';
import { SavedVariablesError, locateSavedVariables, parseSavedVariables, positionAt, type SavedVariablesCode, type SourcePosition } from './savedVariables';

export type AddonExportCode =
  | SavedVariablesCode
  | 'ADDON_EXPORT_TOO_LARGE'
  | 'ADDON_EXPORT_NOT_UTF8'
  | 'ADDON_EXPORT_MISSING'
  | 'ADDON_EXPORT_INVALID'
  | 'ADDON_EXPORT_WRONG_GUILD'
  | 'ADDON_EXPORT_WRONG_REALM'
  | 'ADDON_EXPORT_WRONG_REGION';

/** A file that is not an acceptable export: a code per kind of refusal, and where in the file (1-based). */
export class AddonExportError extends Error {
  override name = 'AddonExportError';

  constructor(
    readonly code: AddonExportCode,
    message: string,
    readonly at?: SourcePosition,
    /** The path of the offending value, as `PATTSyncDB.lastExport.members[3].guid`. */
    readonly path?: string,
  ) {
    super(message);
  }
}

/** The guild this server keeps, as configured (config.guild, config.blizzard.region) and, once synced, named. */
export interface ExpectedGuild {
  /** Blizzard API region: us, eu, kr, tw. */
  region: string;
  realmSlug: string;
  nameSlug: string;
  /** The guild's name as the roster gives it, once a sync has run. */
  name?: string | null;
}

/**
 * A PATTSync SavedVariables file → the export inside it, or an AddonExportError saying what is
 * wrong and where (size, encoding, syntax, code where data belongs, text that is not text, the
 * first path that does not fit the schema, or another guild's export). Shared by the companion
 * (before queueing) and the API (before storing, with `expected`).
 */
export function readAddonExport(bytes: Buffer, expected?: ExpectedGuild): AddonExport {
  if (bytes.length > MAX_SAVED_VARIABLES_BYTES) {
    throw new AddonExportError(
      'ADDON_EXPORT_TOO_LARGE',
      `The file is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; at most ${MAX_SAVED_VARIABLES_BYTES / 1024 / 1024} MB is accepted (a 10,000-member guild writes about 5 MB).`,
    );
  }
  const badByte = firstInvalidUtf8(bytes);
  if (badByte >= 0) {
    const at = positionAt(bytes.toString('latin1'), badByte);
    throw new AddonExportError(
      'ADDON_EXPORT_NOT_UTF8',
      `The file is not valid UTF-8 at line ${at.line}, column ${at.column}, and the game writes SavedVariables as UTF-8: was it edited or re-saved by another program?`,
      at,
    );
  }
  let globals;
  try {
    globals = parseSavedVariables(bytes);
  } catch (err) {
    if (err instanceof SavedVariablesError) throw new AddonExportError(err.code, err.message, err.at);
    throw err;
  }
  // Other globals (another addon's, or PATTSync's own per-character table) are not ours to check.
  const db = globals.PATTSyncDB;
  if (db === undefined || db === null) {
    const at = db === null ? locateSavedVariables(bytes).locate(['PATTSyncDB']) : undefined;
    const where = at ?? { line: 1, column: 1 };
    throw new AddonExportError(
      'ADDON_EXPORT_MISSING',
      `The file has no PATTSyncDB: type /pattsync in the game, then /reload so the game writes it (${at ? `it is nil at line ${where.line}, column ${where.column}` : 'no global of that name, from line 1, column 1 on'}).`,
      where,
      'PATTSyncDB',
    );
  }
  const parsed = savedVariablesSchema.safeParse({ PATTSyncDB: db });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issuePath(issue);
    // An unknown key is pointed at itself; anything else at its value (or the table lacking it).
    const at = locateSavedVariables(bytes).locate(path, issue.code === 'unrecognized_keys') ?? { line: 1, column: 1 };
    throw new AddonExportError(
      'ADDON_EXPORT_INVALID',
      `The export does not have the expected shape at ${firstProblem(parsed.error)} (line ${at.line}, column ${at.column}).`,
      at,
      pathText(path),
    );
  }
  const exp = parsed.data.PATTSyncDB.lastExport;
  if (expected) checkGuild(bytes, exp, expected);
  return exp;
}

/**
 * Refuses another guild's export, even one with the same name on another realm or in another
 * region: its notes would land on characters of ours that merely share a name.
 */
function checkGuild(bytes: Buffer, exp: AddonExport, expected: ExpectedGuild): void {
  const key = `${expected.region}/${expected.realmSlug}/${expected.nameSlug}`;
  const refuse = (code: AddonExportCode, field: 'name' | 'realm' | 'region', theirs: string, ours: string, setting: string): never => {
    const path = ['PATTSyncDB', 'lastExport', 'guild', field];
    const at = locateSavedVariables(bytes).locate(path) ?? { line: 1, column: 1 };
    throw new AddonExportError(
      code,
      `The export is from ${theirs} (line ${at.line}, column ${at.column}), but this server keeps ${ours} (${key}; ${setting}). ` +
        'Nothing was stored: export with a character of that guild, or point the companion at the server that keeps this guild.',
      at,
      pathText(path),
    );
  };
  if (exp.guild.region.toLowerCase() !== expected.region.toLowerCase()) {
    refuse('ADDON_EXPORT_WRONG_REGION', 'region', `the region ${exp.guild.region}`, `the region ${expected.region.toUpperCase()}`, 'BLIZZARD_REGION');
  }
  const realm = squash(expected.realmSlug);
  if (squash(exp.guild.realm) !== realm && squash(exp.guild.realmNormalized) !== realm) {
    refuse('ADDON_EXPORT_WRONG_REALM', 'realm', `the realm "${exp.guild.realm}"`, `the realm ${expected.realmSlug}`, 'PATT_GUILD_REALM_SLUG');
  }
  const sameName = expected.name ? exp.guild.name.toLowerCase() === expected.name.toLowerCase() : squash(exp.guild.name) === squash(expected.nameSlug);
  if (!sameName) {
    refuse('ADDON_EXPORT_WRONG_GUILD', 'name', `the guild "${exp.guild.name}"`, expected.name ? `"${expected.name}"` : `the guild ${expected.nameSlug}`, 'PATT_GUILD_NAME_SLUG');
  }
}

/** Letters and digits only, without accents or case: "Sen'jin" and senjin, "Pull All The Things" and pull-all-the-things. */
function squash(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The path to point at: for an unknown key, the key itself. */
function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path;
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** The offset of the first byte that breaks UTF-8, or -1: only walked when the fast check fails. */
function firstInvalidUtf8(bytes: Buffer): number {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return -1;
  } catch {
    // Find where, below.
  }
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > bytes.length) return i;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return 0;
}

import { z } from 'zod';

/**
 * What the PATTSync addon writes to its SavedVariables file, as the companion and the API accept it.
 * One schema for both, so the companion refuses locally exactly what the API would refuse.
 *
 *   PATTSyncDB = {
 *     ["schemaVersion"] = 1,
 *     ["lastExport"] = { …AddonExport… },      -- what gets uploaded
 *     ["lastExportAt"] = 1764000000,           -- throttle bookkeeping (optional)
 *   }
 */

/** Names are one line of text: no control characters at all (notes may hold tabs and line breaks). */
const NO_CONTROL = /^[^\p{Cc}]*$/u;
const name = (min: number, max: number) => z.string().min(min).max(max).regex(NO_CONTROL, 'a name without control characters (tabs, line breaks)');

/** WoW's character keys: `Name-RealmWithoutSpaces` (the realm part may hold ' and -). */
const characterKey = name(3, 80)
  .regex(/^[^\s-][^-]*-[^\s]+$/, 'a character key such as Zatañña-Sargeras (Name-Realm)');
const guid = z.string().regex(/^Player-\d+-[0-9A-F]{8}$/, 'a player GUID such as Player-162-09C2CB5D');
const note = z.string().max(512);

export const lastOnlineSchema = z
  .object({
    years: z.number().int().min(0),
    months: z.number().int().min(0),
    days: z.number().int().min(0),
    hours: z.number().int().min(0),
  })
  .strict();

export const addonMemberSchema = z
  .object({
    /** `Name-Realm`, as GetGuildRosterInfo returns it. */
    name: characterKey,
    guid,
    rankName: name(1, 64),
    rankIndex: z.number().int().min(0).max(9),
    level: z.number().int().min(1).max(100),
    /** Localised class name, and the class token (MAGE, DEATHKNIGHT …). */
    className: name(1, 32),
    classFile: z.string().regex(/^[A-Z]+$/, 'a class token such as MAGE'),
    note,
    /** Absent when the exporter may not read officer notes. */
    officerNote: note.optional(),
    online: z.boolean(),
    /** How long ago, as GetGuildRosterLastOnline gives it; absent while online. */
    lastOnline: lastOnlineSchema.optional(),
  })
  .strict();

export const addonExportSchema = z
  .object({
    addonVersion: name(1, 32),
    /** Epoch seconds (time()). */
    exportedAt: z.number().int().min(1_500_000_000).max(4_000_000_000),
    guild: z
      .object({
        name: name(1, 64),
        /** The exporter's realm as the game names it (GetRealmName), e.g. "Sen'jin". */
        realm: name(1, 64),
        /** GetNormalizedRealmName, e.g. "Senjin": the suffix of character keys on this realm. */
        realmNormalized: name(1, 64),
        /** US, KR, EU, TW, CN (from GetCurrentRegion). */
        region: z.enum(['US', 'KR', 'EU', 'TW', 'CN']),
        faction: z.enum(['Horde', 'Alliance', 'Neutral']).optional(),
      })
      .strict(),
    exporter: z
      .object({
        name: characterKey,
        guid,
        rankIndex: z.number().int().min(0).max(9),
        /** C_GuildInfo.CanViewOfficerNote(): false means every officerNote is absent. */
        canReadOfficerNotes: z.boolean(),
      })
      .strict(),
    members: z.array(addonMemberSchema).max(20_000),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!e.exporter.canReadOfficerNotes) {
      const i = e.members.findIndex((m) => m.officerNote !== undefined);
      if (i >= 0) ctx.addIssue({ code: 'custom', path: ['members', i, 'officerNote'], message: 'present although the exporter cannot read officer notes' });
    }
  });

export const savedVariablesSchema = z
  .object({
    PATTSyncDB: z
      .object({
        schemaVersion: z.literal(1),
        lastExport: addonExportSchema,
        lastExportAt: z.number().int().optional(),
      })
      .strict(),
  })
  .strict();

export type AddonMember = z.infer<typeof addonMemberSchema>;
export type AddonExport = z.infer<typeof addonExportSchema>;

/** Larger files are refused before parsing: 10,000 members write about 5 MB. */
export const MAX_SAVED_VARIABLES_BYTES = 20 * 1024 * 1024;

/** The first problem, as a person reads it: `PATTSyncDB.lastExport.members[3].guid: a player GUID …`. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0]!;
  let path = '';
  for (const p of issue.path) path += typeof p === 'number' ? `[${p}]` : path ? `.${String(p)}` : String(p);
  return `${path || '(top level)'}: ${issue.message}`;
}

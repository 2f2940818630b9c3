import fs from 'node:fs';
import path from 'node:path';
import { AddonExportError, readAddonExport } from './readAddonExport';
import { MAX_NESTING, parseSavedVariables, positionAt } from './savedVariables';

const fixture = fs.readFileSync(path.join(__dirname, 'fixtures', 'PATTSync.lua'));

describe('reading a SavedVariables file', () => {
  it('reads the game format: TAB indents, -- [n] comments, escapes, colour codes, raw UTF-8, X = nil', () => {
    const e = readAddonExport(fixture);
    expect(e.guild).toEqual({ name: 'Pull All The Things', realm: "Sen'jin", realmNormalized: 'Senjin', region: 'US', faction: 'Horde' });
    expect(e.members.map((m) => m.name)).toEqual(['Trogmoon-Senjin', 'Zatañña-Sargeras']);
    expect(e.members[1]).toMatchObject({ note: 'Rocket\'s main "Zat" \\ alt of nobody', officerNote: 'line one\nline two', lastOnline: { days: 2, hours: 5 } });
    expect(e.members[0]!.note).toBe('Mike |cFFFF0000GM|r');
    expect(parseSavedVariables(fixture).PATTSyncCharDB).toBeNull();
  });

  it('reads negative numbers, keyed lists and mixed tables', () => {
    const v = parseSavedVariables(Buffer.from('X = { -1.5, 2, [3] = "c" }\nY = { [1] = "a", ["k"] = true }\nZ = {}'));
    expect(v).toEqual({ X: [-1.5, 2, 'c'], Y: { 1: 'a', k: true }, Z: [] });
  });

  it.each([
    ['a function call', 'PATTSyncDB = { x = os.execute("rm -rf /") }', /Refused function call at line 1, column 20/],
    ['a statement that is a call', 'os.execute("touch /tmp/pwned")', /Refused a function call \(only NAME = value is allowed\) at line 1, column 1/],
    ['a variable reference', 'PATTSyncDB = other', /Refused variable reference/],
    ['an operator', 'PATTSyncDB = { n = 1 + 2 }', /Refused operator expression/],
    ['a function', 'PATTSyncDB = function() end', /Refused function/],
    ['a truncated file', fixture.toString('utf8').slice(0, 400), /^Not a readable SavedVariables file: .* at line \d+, column \d+ /],
  ])('refuses %s with where and what', (_what, text, message) => {
    expect(() => readAddonExport(Buffer.from(text))).toThrow(AddonExportError);
    expect(() => readAddonExport(Buffer.from(text))).toThrow(message);
  });

  it('names the first path that does not fit, and what it expected', () => {
    const broken = fixture.toString('utf8').replace('"Player-76-09C2CB5D"', '"not-a-guid"');
    expect(() => readAddonExport(Buffer.from(broken))).toThrow('PATTSyncDB.lastExport.members[1].guid: a player GUID such as Player-162-09C2CB5D');
  });

  it('refuses officer notes from an exporter who cannot read them', () => {
    const lying = fixture.toString('utf8').replace('["canReadOfficerNotes"] = true', '["canReadOfficerNotes"] = false');
    expect(() => readAddonExport(Buffer.from(lying))).toThrow('members[0].officerNote: present although the exporter cannot read officer notes');
  });

  it('says what to do when the addon never exported, and refuses files over the size limit before parsing', () => {
    expect(() => readAddonExport(Buffer.from('PATTSyncDB = nil\n'))).toThrow(/type \/pattsync in the game, then \/reload/);
    expect(() => readAddonExport(Buffer.alloc(50 * 1024 * 1024, 32))).toThrow(/The file is 50\.0 MB; at most 20 MB/);
  });
});

describe('refusing what the game never writes, with a code and a 1-based line and column', () => {
  const text = fixture.toString('utf8');
  const GUILD = { region: 'us', realmSlug: 'senjin', nameSlug: 'pull-all-the-things' };
  /** The error readAddonExport throws, as the API sends it on. */
  const refusal = (body: string | Buffer, expected?: typeof GUILD) => {
    try {
      readAddonExport(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, expected);
    } catch (err) {
      expect(err).toBeInstanceOf(AddonExportError);
      return err as AddonExportError;
    }
    throw new Error('accepted');
  };
  /** Line and column (1-based) of the first occurrence of `needle` in `body`, by hand. */
  const whereIs = (body: string, needle: string) => {
    const before = body.slice(0, body.indexOf(needle));
    const lines = before.split('\n');
    return { line: lines.length, column: [...lines[lines.length - 1]!].length + 1 };
  };

  it.each([
    ['a \\0 in a note', text.replace('"Discord: Trog"', '"Discord:\\0 Trog"'), '"Discord:\\0', 'ADDON_EXPORT_CONTROL_CHARACTER', /control character U\+0000/],
    ['a raw C0 control (BEL) in a note', text.replace('"Discord: Trog"', '"Discord:\u0007 Trog"'), '"Discord:\u0007', 'ADDON_EXPORT_CONTROL_CHARACTER', /U\+0007/],
    ['a C1 control (NEL, as UTF-8 escapes) in a note', text.replace('"Discord: Trog"', '"Discord: \\194\\133"'), '"Discord: \\194', 'ADDON_EXPORT_CONTROL_CHARACTER', /U\+0085/],
    ['a \\ddd escape that is not UTF-8', text.replace('"Discord: Trog"', '"Discord: \\255Trog"'), '"Discord: \\255', 'ADDON_EXPORT_INVALID_TEXT', /not UTF-8 text .* refused rather than replaced/],
    ['a cut UTF-8 sequence from escapes', text.replace('"Discord: Trog"', '"Zata\\195"'), '"Zata\\195"', 'ADDON_EXPORT_INVALID_TEXT', /not UTF-8 text/],
    ['a line break in a name', text.replace('"Officer"', '"Off\\nicer"'), '"Off\\nicer"', 'ADDON_EXPORT_INVALID', /members\[1\]\.rankName: a name without control characters/],
    ['the global __proto__', text.replace('PATTSyncDB = {', '__proto__ = { PATTSyncDB = {').replace(/\}\nPATTSyncCharDB/, '}}\nPATTSyncCharDB'), '__proto__ =', 'ADDON_EXPORT_FORBIDDEN_KEY', /the global "__proto__"/],
    ['a ["__proto__"] key', text.replace('["online"] = true,', '["online"] = true, ["__proto__"] = { x = 1 },'), '"__proto__"', 'ADDON_EXPORT_FORBIDDEN_KEY', /the key "__proto__"/],
    ['a constructor key', text.replace('["faction"] = "Horde",', '["faction"] = "Horde", constructor = 1,'), 'constructor', 'ADDON_EXPORT_FORBIDDEN_KEY', /the key "constructor"/],
    ['a prototype global', `prototype = 1\n${text}`, 'prototype', 'ADDON_EXPORT_FORBIDDEN_KEY', /the global "prototype"/],
    ['a key given twice', text.replace('["rankName"] = "Officer",', '["rankName"] = "Officer", ["rankName"] = "GM",'), '["rankName"] = "GM"', 'ADDON_EXPORT_DUPLICATE_KEY', /"rankName" given a second time/],
    ['a global given twice', `${text}PATTSyncDB = nil\n`, 'PATTSyncDB = nil', 'ADDON_EXPORT_DUPLICATE_KEY', /global "PATTSyncDB" given a second time/],
    ['a function call after non-ASCII text (columns in characters)', text.replace('"Zatañña-Sargeras",', '"Zatañña-Sargeras", ["x"] = os.exit(),'), 'os.exit', 'ADDON_EXPORT_NOT_DATA', /Refused function call/],
    ['a wrong value', text.replace('"Player-76-09C2CB5D"', '"nope"'), '"nope"', 'ADDON_EXPORT_INVALID', /members\[1\]\.guid: a player GUID/],
    ['an unknown key', text.replace('["rankName"] = "Officer",', '["rankName"] = "Officer", ["zz"] = 1,'), '["zz"]', 'ADDON_EXPORT_INVALID', /Unrecognized key: "zz"/],
  ])('refuses %s', (_what, body, needle, code, message) => {
    const err = refusal(body);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    const at = whereIs(body, needle);
    // A key's refusal points at the key's string ([ is one column before it).
    const column = needle.startsWith('["') ? at.column + 1 : at.column;
    expect(err.at).toEqual({ line: at.line, column });
    expect(err.message).toContain(`line ${at.line}, column ${column}`);
  });

  it('reads \\ddd escapes that make valid UTF-8, and keeps tabs and line breaks in notes', () => {
    const e = readAddonExport(Buffer.from(text.replace('"Discord: Trog"', '"Za\\195\\177 \\t\\r\\n"')));
    expect(e.members[0]!.officerNote).toBe('Zañ \t\r\n');
  });

  it('no key vanishes into, or reaches, Object.prototype', () => {
    const v = parseSavedVariables(Buffer.from('X = { ["toString"] = 1, ["hasOwnProperty"] = "a", ["valueOf"] = { 1 } }'));
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.getPrototypeOf(v.X)).toBeNull();
    expect(Object.keys(v.X as object).sort()).toEqual(['hasOwnProperty', 'toString', 'valueOf']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    ['tables', (n: number) => `X = ${'{'.repeat(n)}${'}'.repeat(n)}`],
    ['brackets', (n: number) => `X = ${'('.repeat(n)}1${')'.repeat(n)}`],
    ['unary operators', (n: number) => `X = ${'- '.repeat(n)}1`],
    ['right-associative operators', (n: number) => `X = "a"${' .. "a"'.repeat(n)}`],
  ])('refuses %s nested past the limit (2,500 and 4,500 deep too) without a RangeError', (_what, make) => {
    for (const n of [MAX_NESTING + 1, 2_500, 4_500]) {
      const err = refusal(make(n));
      expect(err.code).toBe('ADDON_EXPORT_TOO_DEEP');
      expect(err.message).toMatch(new RegExp(`nested more than ${MAX_NESTING} levels deep at line 1, column \\d+`));
    }
    // At the limit itself, tables are read (and then refused for what they are, not for depth).
    expect(() => parseSavedVariables(Buffer.from(`X = ${'{'.repeat(MAX_NESTING)}${'}'.repeat(MAX_NESTING)}`))).not.toThrow();
  });

  it('gives syntax errors 1-based columns counted in characters', () => {
    const err = refusal('PATTSyncDB = {\n\t["a"] = "ñ" "b"\n}');
    expect(err.code).toBe('ADDON_EXPORT_SYNTAX');
    expect(err.at).toEqual({ line: 2, column: 14 });
    expect(positionAt('ab\r\ncd\ref', 8)).toEqual({ line: 3, column: 2 });
  });

  it('says where the file stops being UTF-8', () => {
    const err = refusal(Buffer.concat([Buffer.from('PATTSyncDB = {\n  x = "ab'), Buffer.from([0xff]), Buffer.from('"\n}')]));
    expect(err.code).toBe('ADDON_EXPORT_NOT_UTF8');
    expect(err.at).toEqual({ line: 2, column: 10 });
  });

  it("refuses another guild's export: another name, the same name on another realm, or in another region", () => {
    expect(readAddonExport(fixture, GUILD).guild.name).toBe('Pull All The Things');
    const cases: [typeof GUILD, string, string][] = [
      [{ ...GUILD, nameSlug: 'other-guild' }, 'ADDON_EXPORT_WRONG_GUILD', '"Pull All The Things"'],
      [{ ...GUILD, realmSlug: 'sargeras' }, 'ADDON_EXPORT_WRONG_REALM', `"Sen'jin"`],
      [{ ...GUILD, region: 'eu' }, 'ADDON_EXPORT_WRONG_REGION', '"US"'],
    ];
    for (const [expected, code, needle] of cases) {
      const err = refusal(text, expected);
      expect(err.code).toBe(code);
      expect(err.at).toEqual(whereIs(text, needle));
      expect(err.message).toMatch(/but this server keeps .*\. Nothing was stored/);
    }
    // Spelled as the armory spells it: accents, spaces and apostrophes do not matter.
    const elsewhere = text.replace(`"Sen'jin"`, '"Alterac Mountains"').replace('"Senjin"', '"AlteracMountains"');
    expect(readAddonExport(Buffer.from(elsewhere), { ...GUILD, realmSlug: 'alterac-mountains' }).guild.realm).toBe('Alterac Mountains');
  });
});

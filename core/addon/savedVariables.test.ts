import fs from 'node:fs';
import path from 'node:path';
import { AddonExportError, readAddonExport } from './readAddonExport';
import { parseSavedVariables } from './savedVariables';

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
    ['a truncated file', fixture.toString('utf8').slice(0, 400), /Not a readable SavedVariables file: \[\d+:\d+\]/],
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

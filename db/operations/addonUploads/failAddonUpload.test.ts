import { AddonExportError } from '../../../core/addon/readAddonExport';
import { dataErrorReason } from './failAddonUpload';

describe('which import errors the data causes (never retried)', () => {
  it('names a stored file that no longer reads, and a value PostgreSQL refuses; anything else is worth retrying', () => {
    expect(dataErrorReason(new AddonExportError('ADDON_EXPORT_CONTROL_CHARACTER', 'Refused … at line 31, column 23: …', { line: 31, column: 23 }))).toBe(
      'the stored file no longer reads as an export: Refused … at line 31, column 23: …',
    );
    // What pg throws for a \u0000 in jsonb (knex prefixes the query).
    const nul = Object.assign(new Error('UPDATE wow_characters … - unsupported Unicode escape sequence'), { code: '22P05' });
    expect(dataErrorReason(nul)).toBe('PostgreSQL refused a value of this export (SQLSTATE 22P05: unsupported Unicode escape sequence)');
    expect(dataErrorReason(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBeUndefined();
    expect(dataErrorReason(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeUndefined();
    expect(dataErrorReason(new Error('anything else'))).toBeUndefined();
  });
});

import fs from 'node:fs';
import path from 'node:path';

/**
 * One durable path for every identity change: the API, the CLI and the launcher ask Temporal for
 * the identity step and sheet imports; none of them runs the engine or the import inline.
 */
const ROOT = path.join(__dirname, '..');
const FORBIDDEN = ['runIdentity', 'runIdentityIn', 'planIdentity', 'importSheet'];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

it('no module under api/, cli/ or scripts/ imports the identity engine or the sheet import', () => {
  const offenders: string[] = [];
  for (const file of ['api', 'cli', 'scripts'].flatMap(sources)) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
      if (m[1]) continue; // types only: nothing runs
      const names = m[2]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!);
      for (const n of names) if (FORBIDDEN.includes(n) && !m[2]!.includes(`type ${n}`)) offenders.push(`${file}: ${n} from ${m[3]}`);
    }
    for (const m of text.matchAll(/(?:require\(|import\()\s*'([^']*\/(runIdentity|importSheet))'/g)) offenders.push(`${file}: ${m[1]}`);
  }
  expect(offenders).toEqual([]);
});

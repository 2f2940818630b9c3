import { planIssues, type StoredIssue } from './lifecycle';
import type { Finding } from './types';

const f = (fingerprint: string, summary = fingerprint): Finding => ({
  rule: 'rank_role_mismatch',
  fingerprint,
  severity: 'action',
  subject: { person: null, character: null, discord: null },
  summary,
  action: 'do it',
  details: {},
});

/** Applies a plan the way the database does, to follow one issue run after run. */
function apply(stored: StoredIssue[], findings: Finding[], now: Date): StoredIssue[] {
  const plan = planIssues(stored, findings);
  let next = stored.map((s) => (plan.resolve.includes(s.id) ? { ...s, resolvedAt: now } : plan.reopen.some((r) => r.id === s.id) ? { ...s, resolvedAt: null } : s));
  next = [...next, ...plan.open.map((o, i) => ({ id: 100 + stored.length + i, fingerprint: o.fingerprint, resolvedAt: null }))];
  return next;
}

describe('planIssues', () => {
  it('opens, keeps, resolves and reopens an issue across runs', () => {
    const t = (h: number) => new Date(Date.UTC(2026, 10, 24, h));
    let stored: StoredIssue[] = [];
    const first = planIssues(stored, [f('a'), f('b')]);
    expect(first.open.map((x) => x.fingerprint)).toEqual(['a', 'b']);
    stored = apply(stored, [f('a'), f('b')], t(1));

    const second = planIssues(stored, [f('a', 'a, reworded')]);
    expect(second).toEqual({ open: [], seen: [{ id: stored[0]!.id, finding: f('a', 'a, reworded') }], reopen: [], resolve: [stored[1]!.id] });
    stored = apply(stored, [f('a')], t(2));

    const third = planIssues(stored, [f('a'), f('b')]);
    expect(third.reopen.map((r) => r.id)).toEqual([stored[1]!.id]);
    expect(third.open).toEqual([]);
  });

  it('counts a fingerprint once even if two rules produced it twice, and resolves nothing already resolved', () => {
    const stored: StoredIssue[] = [{ id: 1, fingerprint: 'gone', resolvedAt: new Date() }];
    expect(planIssues(stored, [f('x'), f('x')])).toEqual({ open: [f('x')], seen: [], reopen: [], resolve: [] });
  });
});

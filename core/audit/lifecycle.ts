import type { Finding } from './types';

/**
 * How findings become tracked issues across runs: new ones are opened, ones still there are seen
 * again, ones gone are resolved, and one that comes back after being resolved is new again (to be
 * reported again). Pure: the caller applies the plan in one transaction.
 */

export interface StoredIssue {
  id: number;
  fingerprint: string;
  resolvedAt: Date | null;
}

export interface IssuePlan {
  open: Finding[];
  /** Still there: last seen now, with the current wording (names change, counts change). */
  seen: { id: number; finding: Finding }[];
  /** Back after being resolved: first seen now, not notified, open. */
  reopen: { id: number; finding: Finding }[];
  resolve: number[];
}

export function planIssues(stored: StoredIssue[], findings: Finding[]): IssuePlan {
  const byFingerprint = new Map(stored.map((s) => [s.fingerprint, s]));
  const plan: IssuePlan = { open: [], seen: [], reopen: [], resolve: [] };
  const present = new Set<string>();
  for (const f of findings) {
    if (present.has(f.fingerprint)) continue; // one subject, one rule: once
    present.add(f.fingerprint);
    const s = byFingerprint.get(f.fingerprint);
    if (!s) plan.open.push(f);
    else if (s.resolvedAt) plan.reopen.push({ id: s.id, finding: f });
    else plan.seen.push({ id: s.id, finding: f });
  }
  for (const s of stored) if (!s.resolvedAt && !present.has(s.fingerprint)) plan.resolve.push(s.id);
  return plan;
}

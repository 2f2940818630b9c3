import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { identityStep, requestAudit } from './identityStep';
import { identityUpdateRequestedSignal, type IdentityUpdateInput, type IdentityUpdateRequest, type IdentityUpdateRound } from './shared';

/** Rounds one run does before it continues as new (keeps the history short under steady use). */
const MAX_ROUNDS = 20;
/** Rounds carried into the next run, so a caller following the chain finds the round that covered it. */
const CARRIED_ROUNDS = 50;

/**
 * The identity step an officer's decision (or `identity run`) asks for, then the audit. One run per
 * guild (`identity-<guild>`), started or joined by signal-with-start: requests that arrive while a
 * step runs wait for it and then share the next round, so the engine never runs twice at once for
 * the guild from here, and each request is covered by a round that started after it arrived (its
 * decision was committed before it signalled). The run ends when no request waits; the next request
 * starts a new one.
 */
export async function identityUpdate(input: IdentityUpdateInput): Promise<{ rounds: IdentityUpdateRound[] }> {
  const requests: IdentityUpdateRequest[] = [...(input.pending ?? [])];
  setHandler(identityUpdateRequestedSignal, (r) => {
    requests.push(r);
  });
  const rounds: IdentityUpdateRound[] = [...(input.earlier ?? [])];
  let handled = 0;
  let done = 0;
  // The request that started this run arrives with the start (signal-with-start).
  await condition(() => requests.length > 0, '1 minute');
  while (requests.length > handled) {
    if (done >= MAX_ROUNDS) {
      await continueAsNew<typeof identityUpdate>({ guildId: input.guildId, pending: requests.slice(handled), earlier: rounds.slice(-CARRIED_ROUNDS) });
    }
    const batch = requests.slice(handled);
    handled = requests.length;
    const reasons = [...new Set(batch.map((r) => r.reason))];
    const after = reasons.includes('officer_decision') ? 'officer_decision' : 'manual';
    const identity = await identityStep(input.guildId, after);
    // The decision changed what the audit sees, whether or not matching succeeded.
    const audit = await requestAudit(input.guildId, after);
    rounds.push({ requestIds: batch.map((r) => r.requestId), reasons, identity, audit });
    done += 1;
  }
  return { rounds: rounds.slice(-CARRIED_ROUNDS) };
}

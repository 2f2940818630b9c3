import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { DiscordSyncActivities } from '../activities/discordSyncActivities';
import { requestAudit } from './identityStep';
import { discordMemberEventSignal, type DiscordMemberEvent, type DiscordMemberEventsInput } from './shared';

const apply = proxyActivities<DiscordSyncActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage must not lose an event: keep trying (each try is idempotent).
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** With no events for this long the workflow ends; the listener's next signal starts it again. */
const IDLE_BEFORE_CLOSING = '10 minutes';
/** Keep the history short: after this many events, carry on in a fresh run. */
const EVENTS_PER_RUN = 500;

/**
 * Live member events of one guild, in the order the gateway listener saw them. The listener uses
 * signal-with-start, so an event sent while no worker runs waits in Temporal and is applied when a
 * worker returns; one workflow per guild applies them one at a time, so a leave never overtakes
 * the join before it.
 */
export async function discordMemberEvents(input: DiscordMemberEventsInput): Promise<{ applied: number }> {
  const queue: DiscordMemberEvent[] = [...(input.pending ?? [])];
  setHandler(discordMemberEventSignal, (event) => {
    queue.push(event);
  });

  let applied = 0;
  for (;;) {
    const hasWork = await condition(() => queue.length > 0, IDLE_BEFORE_CLOSING);
    if (!hasWork) break;
    const event = queue[0]!;
    await apply.applyDiscordMemberEvent({ guildId: input.guildId, event });
    queue.shift();
    applied += 1;
    // A burst of joins, leaves and role changes asks for one audit (it waits for a quiet spell).
    if (queue.length === 0) await requestAudit(input.guildId, 'discord_event');
    if (applied >= EVENTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof discordMemberEvents>({
        guildId: input.guildId,
        pending: queue,
        appliedBefore: (input.appliedBefore ?? 0) + applied,
      });
    }
  }
  await condition(allHandlersFinished);
  return { applied };
}

import type { Knex } from 'knex';
import { messageNonce, messageReference, withReference, type DiscordMessage } from '../core/discord/messages';
import { claimReportPost, recordReportPostAttempt } from '../db/operations/reportPosts/reportPostLedger';
import type { PostToDiscordInput } from '../workflows/postToDiscord';
import { testKnex } from './db';
import { startDiscordHarness, type DiscordHarness } from './discordHarness';

/**
 * Posting a report message: whatever Discord and the network do, one logical message is one
 * message in the channel. Real @discordjs/rest against the stand-in, real Temporal retries.
 */
let knex: Knex;
let h: DiscordHarness;
beforeAll(async () => {
  knex = testKnex();
  h = await startDiscordHarness(knex, { timeoutMs: 1_500 });
});
afterAll(async () => {
  await h.close();
  await knex.destroy();
});
beforeEach(() => {
  h.standin.setFaults({ rateLimitMessages: 0, failBeforeCreate: 0, failAfterCreate: 0, hangAfterCreate: 0 });
  h.standin.setNonceWindowMs(5 * 60_000);
});

const report = (title: string): DiscordMessage => ({
  embeds: [
    { title, description: '3 characters are in the guild with no Discord account linked.', color: 0xe67e22, fields: [{ name: 'Orphans', value: 'Dícoz, Dìcoz, Décoz' }] },
    { title: `${title} (2/2)`, description: 'Trog holds Officer on Discord but is Member in game.', footer: { text: 'PATT audit' } },
  ],
});

let seq = 0;
async function post(logicalKey: string, message = report(logicalKey)) {
  const input: PostToDiscordInput = {
    guildId: h.guild.id,
    channelId: h.standin.server.auditChannelId,
    logicalKey,
    message,
    discordTaskQueue: h.workers.taskQueues.discord,
  };
  return h.workers.client.workflow.execute('postToDiscord', {
    workflowId: `post-test-${h.guild.id}-${seq++}`,
    taskQueue: h.workers.taskQueues.main,
    args: [input],
    workflowExecutionTimeout: '1 minute',
  });
}

const inChannel = (logicalKey: string) =>
  h.standin.messages(h.standin.server.auditChannelId).filter((m) => m.embeds.some((e) => e.title === logicalKey));
const ledger = (logicalKey: string) => knex('report_posts').where({ guild_id: h.guild.id, logical_key: logicalKey }).first();

describe('posting to #audit-channel', () => {
  it('posts once with the nonce, records it in the ledger, and a second call for the same key posts nothing', async () => {
    const first = await post('audit-1-part-1');
    expect(first.how).toBe('posted');
    const [message] = inChannel('audit-1-part-1');
    expect(message).toMatchObject({ id: first.messageId, nonce: (await ledger('audit-1-part-1')).nonce });
    expect((message!.embeds[1] as { footer: { text: string } }).footer.text).toMatch(/^PATT audit · ref [0-9a-f]{10}$/);

    const again = await post('audit-1-part-1');
    expect(again).toEqual({ messageId: first.messageId, how: 'ledger' });
    expect(inChannel('audit-1-part-1')).toHaveLength(1);
    expect(await ledger('audit-1-part-1')).toMatchObject({ status: 'posted', discord_message_id: first.messageId, attempts: 1 });
  });

  it.each([
    ['429 with Retry-After, twice', { rateLimitMessages: 2 }],
    ['500 before anything was created, twice', { failBeforeCreate: 2 }],
    ['500 after the message was created', { failAfterCreate: 1 }],
    ['500 after create on every re-send @discordjs/rest makes', { failAfterCreate: 4 }],
  ])('leaves exactly one message under %s', async (_label, faults) => {
    const key = `audit-faults-${JSON.stringify(faults)}`;
    h.standin.setFaults(faults);
    const result = await post(key);
    expect(inChannel(key)).toHaveLength(1);
    expect(inChannel(key)[0]!.id).toBe(result.messageId);
    expect(await ledger(key)).toMatchObject({ status: 'posted', discord_message_id: result.messageId });
  });

  it('finds its own message in the channel after an ambiguous failure, even once Discord has forgotten the nonce', async () => {
    // An earlier attempt sent the message and died before hearing back (the ledger counted the attempt).
    const key = 'audit-2-part-1';
    const nonce = messageNonce(h.guild.id, key);
    const payload = withReference(report(key), messageReference(nonce));
    const row = await claimReportPost(knex, { guildId: h.guild.id, logicalKey: key, channelId: h.standin.server.auditChannelId, nonce, payload });
    await recordReportPostAttempt(knex, row.id);
    const sent = await h.discord.createMessage(h.standin.server.auditChannelId, { ...payload, nonce });
    // Minutes later Discord no longer dedupes the nonce: only the ledger and the channel check stop a duplicate.
    h.standin.setNonceWindowMs(0);

    const result = await post(key);
    expect(result).toEqual({ messageId: sent.id, how: 'found' });
    expect(inChannel(key)).toHaveLength(1);
    expect(await ledger(key)).toMatchObject({ status: 'posted', discord_message_id: sent.id, attempts: 1 });
  });

  it('leaves exactly one message when Discord creates it but answers too late (client timeouts)', async () => {
    h.standin.setFaults({ hangAfterCreate: 4, hangAfterCreateMs: 2_500 });
    const result = await post('audit-3-part-1');
    expect(inChannel('audit-3-part-1')).toHaveLength(1);
    expect(inChannel('audit-3-part-1')[0]!.id).toBe(result.messageId);
  });

  it('refuses a message over Discord’s limits before sending anything, saying to split it', async () => {
    const tooBig: DiscordMessage = { embeds: Array.from({ length: 11 }, (_, i) => ({ title: `part ${i}`, description: 'x'.repeat(600) })) };
    await expect(post('audit-4-part-1', tooBig)).rejects.toMatchObject({
      cause: { cause: { message: expect.stringMatching(/11 embeds \(at most 10\).*Split it into parts/) } },
    });
    expect(await ledger('audit-4-part-1')).toBeUndefined();
  });
});

import { carriesReference, embedCharacters, messageNonce, messageProblems, messageReference, snowflakeAt, withReference } from './messages';

describe('Discord message rules', () => {
  it('accepts a full but legal report and names every limit a message breaks', () => {
    const legal = { embeds: Array.from({ length: 10 }, (_, i) => ({ title: `Part ${i}`, description: 'x'.repeat(590) })) };
    expect(embedCharacters(legal.embeds)).toBe(10 * 596);
    expect(messageProblems(legal)).toBeNull();
    const tooMany = { embeds: Array.from({ length: 11 }, () => ({ description: 'x'.repeat(600) })) };
    expect(messageProblems(tooMany)).toBe('11 embeds (at most 10); 6600 characters in embeds (at most 6000)');
    expect(messageProblems({ embeds: [] })).toBe('it is empty');
  });

  it('gives the same nonce for the same logical message, 25 characters at most, and different ones otherwise', () => {
    expect(messageNonce(1, 'audit-7-part-1')).toBe(messageNonce(1, 'audit-7-part-1'));
    expect(messageNonce(1, 'audit-7-part-1')).toHaveLength(25);
    expect(messageNonce(1, 'audit-7-part-2')).not.toBe(messageNonce(1, 'audit-7-part-1'));
    expect(messageNonce(2, 'audit-7-part-1')).not.toBe(messageNonce(1, 'audit-7-part-1'));
  });

  it('puts the reference in the last footer and recognises it in a fetched message', () => {
    const ref = messageReference(messageNonce(1, 'k'));
    const sent = withReference({ embeds: [{ title: 'a' }, { title: 'b', footer: { text: 'PATT audit' } }] }, ref);
    expect(sent.embeds[1]!.footer!.text).toBe(`PATT audit · ${ref}`);
    expect(sent.embeds[0]!.footer).toBeUndefined();
    expect(carriesReference(sent, ref)).toBe(true);
    expect(carriesReference({ embeds: [{ footer: { text: 'PATT audit · ref 0000000000' } }] }, ref)).toBe(false);
  });

  it('turns a time into the first snowflake of that millisecond', () => {
    expect(snowflakeAt(1420070400000 + 1)).toBe(String(1n << 22n));
    expect(BigInt(snowflakeAt(Date.UTC(2026, 10, 24)))).toBeGreaterThan(BigInt(snowflakeAt(Date.UTC(2026, 10, 23))));
  });
});

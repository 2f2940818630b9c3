import type { Knex } from 'knex';
import { freshGuild, testKnex } from '../test/db';
import { generatedGuild } from './labelled/generatedGuild';
import type { LabelledGuild } from './labelled/guild';
import { handGuild } from './labelled/handGuild';
import { runPipeline, scoreGuild } from './matchQuality';

/**
 * The hard lines of match quality, on the real pipeline and PostgreSQL: automation links only what
 * the evidence makes certain, and never a pair officers must keep apart. Recall and findings are
 * figures for the README (npm run bench -- match-quality), not assertions here.
 */

let knex: Knex;
beforeAll(() => {
  knex = testKnex();
});
afterAll(() => knex.destroy());

const GUILDS: [string, () => LabelledGuild][] = [
  ['the hand-labelled guild', handGuild],
  ['generated guild, seed 11', () => generatedGuild({ characters: 300, members: 150, seed: 11 })],
  ['generated guild, seed 12', () => generatedGuild({ characters: 300, members: 150, seed: 12 })],
];

describe('match quality', () => {
  it('generates the same guild for the same seed, and another for another seed', () => {
    const a = generatedGuild({ characters: 120, members: 60, seed: 5 });
    const b = generatedGuild({ characters: 120, members: 60, seed: 5 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(generatedGuild({ characters: 120, members: 60, seed: 6 }).characters)).not.toBe(JSON.stringify(a.characters));
  });

  it.each(GUILDS)('%s: every automatic link is certain, and no never-pair is linked', async (_name, make) => {
    const guild = make();
    const g = await freshGuild(knex, 'quality');
    const outcome = await runPipeline(knex, g.id, guild);
    const { figures, misses } = scoreGuild(guild, outcome);
    // The misses in the failure message say which pairs broke the line.
    const wrong = misses.filter((m) => m.kind === 'auto').map((m) => m.text);
    expect({ auto_precision: figures.auto_precision, never_linked: figures.never_linked, wrong }).toEqual({ auto_precision: 1, never_linked: 0, wrong: [] });
  });
});

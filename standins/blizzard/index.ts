export { startBlizzardStandin } from './server';
export type { BlizzardStandin, StandinOptions, StandinStats } from './server';
export { NO_FAULTS } from './faults';
export type { Faults } from './faults';
export {
  generateDemoGuild,
  mulberry32,
  removeFromGuild,
  renameCharacter,
  setRank,
  touchProfile,
  CLASSES,
  HORDE_RACES,
  REALMS,
} from './demoGuild';
export type { DemoCharacter, DemoFaction, DemoGuild, DemoRealm, GenerateDemoGuildOptions } from './demoGuild';

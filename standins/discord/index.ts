export { startDiscordStandin } from './server';
export type { DiscordStandin, DiscordStandinOptions, DiscordStandinStats, RestRouteKind } from './server';
export { NO_FAULTS } from './faults';
export type { BucketLimit, DiscordFaults } from './faults';
export {
  DEMO_BOT_USERNAME,
  DEMO_GUILD_ID,
  DemoServerError,
  findRole,
  foldAccents,
  generateDemoDiscordServer,
} from './demoServer';
export type {
  DemoChannel,
  DemoDiscordMember,
  DemoDiscordServer,
  DemoMemberInfo,
  DemoMemberKind,
  DemoNameStyle,
  DemoPlayer,
  DemoRole,
  DemoUser,
  DepartedDemoMember,
  GenerateDemoDiscordServerOptions,
  NewDemoMember,
} from './demoServer';
export { Intents } from './gateway';
export type { StandinMessage } from './shapes';
export { compareSnowflakes, discordTimestamp, isSnowflake, snowflakeAt, snowflakeTime } from './snowflake';

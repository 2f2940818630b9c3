export { guildRosterSync } from './rosterSync';

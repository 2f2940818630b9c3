export { guildRosterSync } from './rosterSync';
export { discordReconcile } from './discordReconcile';
export { discordMemberEvents } from './discordMemberEvents';
export { postToDiscord } from './postToDiscord';
export { addonImport } from './addonImport';
export { guildAudit } from './guildAudit';
export { identityUpdate } from './identityUpdate';
export { sheetImport } from './sheetImport';

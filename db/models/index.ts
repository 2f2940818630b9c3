export { ApiKey } from './ApiKey';
export { Guild } from './Guild';
export { RosterEvent } from './RosterEvent';
export { SyncRun } from './SyncRun';
export { WowCharacter } from './WowCharacter';
export { WowCharacterName } from './WowCharacterName';

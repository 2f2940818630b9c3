import path from 'node:path';

/** Where the demo's "game" keeps its SavedVariables; npm start's companion watches this file. */
export function demoSavedVariablesPath(dataDir: string): string {
  return path.join(dataDir, 'demo-wow', '_retail_', 'WTF', 'Account', 'DEMO', 'SavedVariables', 'PATTSync.lua');
}

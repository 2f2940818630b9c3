import path from 'node:path';
import { loadConfig, runMain } from '../config';
import { demoScenario, runAddon } from '../addon/harness/runAddon';
import { generateDemoGuild } from '../standins/blizzard';
import { demoSavedVariablesPath } from './demoPaths';

/**
 * `npm run addon:demo`: plays the guild leader typing `/pattsync force` and `/reload` in the real
 * addon (Lua 5.1 with the WoW API stubbed), on the demo guild's roster, so the game writes the
 * SavedVariables file the companion started by `npm start` picks up.
 */
runMain(async () => {
  const config = loadConfig();
  const guild = generateDemoGuild({ size: config.standins.demoGuildSize });
  const file = demoSavedVariablesPath(config.dataDir);
  const scenario = demoScenario(guild.characters, { now: Math.floor(Date.now() / 1000), commands: ['/pattsync force'] });
  const run = await runAddon(scenario, file);
  for (const line of run.chat) process.stdout.write(`  [game] ${line}\n`);
  if (run.exitCode !== 0) {
    process.stderr.write(`The addon run failed (exit ${run.exitCode}):\n${run.stderr}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`\nWrote ${path.relative(process.cwd(), file)} (${guild.characters.length} characters).\n`);
  process.stdout.write('The companion that npm start runs uploads it within seconds; then see the notes with:\n');
  process.stdout.write(`  curl -H "Authorization: Bearer $(cat ${path.relative(process.cwd(), path.join(config.dataDir, 'demo-api-key'))})" ${config.api.publicUrl}/api/guild-sync/addon-upload/status\n`);
});

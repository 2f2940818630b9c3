import { Command } from 'commander';
import { runMain } from '../config';
import { startCompanion, type CompanionConsole } from './companion';
import { COMPANION_SETTINGS, CONFIG_FILE_NAME, loadCompanionConfig } from './config';

/**
 * `node dist/companion/main.js [--config file]`: runs until Ctrl+C. The first Ctrl+C lets an upload
 * in flight finish (or leaves it queued); a second one quits at once, which loses nothing either:
 * the export stays in the queue and the API recognises a repeat by its hash.
 */

/** Console lines with the time in front: the window may stay open for days. */
function timestampedConsole(): CompanionConsole {
  const stamp = () => new Date().toTimeString().slice(0, 8);
  return {
    log: (line) => process.stdout.write(`${stamp()} ${line}\n`),
    error: (line) => process.stderr.write(`${stamp()} ${line}\n`),
  };
}

async function main(): Promise<void> {
  const program = new Command('patt-companion')
    .description('Uploads the PATTSync addon export to PATT Guild Sync whenever the game writes it.')
    .option('--config <file>', `JSON settings file (default: ${CONFIG_FILE_NAME} in the companion folder)`)
    .addHelpText(
      'after',
      `\nSettings (environment, or keys of the JSON file; the environment wins):\n  ${COMPANION_SETTINGS.join('\n  ')}\n`,
    )
    .parse(process.argv);
  const { config: configFile } = program.opts<{ config?: string }>();

  const config = loadCompanionConfig({ configFile });
  const companion = await startCompanion(config, { console: timestampedConsole() });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write('Quitting now; anything not uploaded stays queued for next time.\n');
      process.exit(130);
    }
    process.stdout.write(`${signal}: stopping (an upload in progress may finish; press Ctrl+C again to quit at once)\n`);
    void companion.stop().then(
      () => {
        process.exitCode = 0;
        // chokidar and the timers are closed; nothing else should hold the process.
        setTimeout(() => process.exit(), 1_000).unref();
      },
      (err: unknown) => {
        process.stderr.write(`Stopping failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Windows: closing the console window.
  process.on('SIGHUP', onSignal);
}

runMain(main);

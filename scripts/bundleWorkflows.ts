import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Bundles the workflow code once at build time (webpack takes seconds); the worker loads the file
 * instead of bundling on every start.
 */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const out = path.resolve(__dirname, '..', 'workflow-bundle.js');
  fs.writeFileSync(out, code);
  process.stdout.write(`workflow bundle written: ${path.relative(process.cwd(), out)} (${Math.round(code.length / 1024)} KiB)\n`);
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`${message}\n`),
  error: (message: string) => process.stderr.write(`${message}\n`),
};

main().catch((err: unknown) => {
  process.stderr.write(`Could not bundle the workflows: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

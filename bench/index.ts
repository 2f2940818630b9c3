import { runMain } from '../config';
import { blizzardSyncBenchmark } from './blizzardSync';
import { savedVariablesBenchmark } from './savedVariables';
import { discordReconcileBenchmark } from './discordReconcile';
import { identityBenchmark } from './identity';
import { auditBenchmark } from './audit';

const BENCHMARKS: Record<string, (args: string[]) => Promise<void>> = {
  'blizzard-sync': blizzardSyncBenchmark,
  savedvariables: savedVariablesBenchmark,
  'discord-reconcile': discordReconcileBenchmark,
  identity: identityBenchmark,
  audit: auditBenchmark,
  'match-quality': (args) => import('./matchQuality').then((m) => m.matchQualityBenchmark(args)),
};

runMain(async () => {
  const [name, ...args] = process.argv.slice(2);
  const bench = name ? BENCHMARKS[name] : undefined;
  if (!bench) {
    process.stderr.write(`Usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [sizes, e.g. 1000,5000]\n`);
    process.exitCode = 2;
    return;
  }
  await bench(args);
});

import { performance } from 'node:perf_hooks';
import { savedVariablesSchema } from '../core/addon/exportSchema';
import { readAddonExport } from '../core/addon/readAddonExport';
import { parseSavedVariables } from '../core/addon/savedVariables';
import { addonUploadLatency } from './addonUpload';
import { generatedExport, savedVariablesText } from './savedVariablesFile';

/**
 * `npm run bench -- savedvariables [members]`: parse and validate a SavedVariables file of 10,000
 * roster entries (about 5 MB), the work the companion and the API do per upload (target < 500 ms);
 * then the time from a file change to the API's acknowledgement of the companion's upload.
 * `npm run bench -- savedvariables [members] [uploads] [members per upload]`.
 */
export async function savedVariablesBenchmark(args: string[]): Promise<void> {
  const size = Number(args[0] ?? 10_000);
  const bytes = Buffer.from(savedVariablesText(generatedExport(size)), 'utf8');
  const print = (figures: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k}=${v}\n`);
  };
  print({ members: size, file_mb: (bytes.length / 1024 / 1024).toFixed(2) });

  const runs = 7;
  const total: number[] = [];
  const parse: number[] = [];
  const validate: number[] = [];
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    const globals = parseSavedVariables(bytes);
    const t1 = performance.now();
    savedVariablesSchema.parse({ PATTSyncDB: globals.PATTSyncDB });
    const t2 = performance.now();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const t3 = performance.now();
    const exp = readAddonExport(bytes);
    total.push(performance.now() - t3);
    parse.push(t1 - t0);
    validate.push(t2 - t1);
    if (exp.members.length !== size) throw new Error(`read ${exp.members.length} members, expected ${size}`);
  }
  // The first run warms the JIT; the median of the rest is what a long-running process sees.
  const median = (xs: number[]) => [...xs.slice(1)].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  print({
    read_first_ms: total[0]!.toFixed(0),
    read_median_ms: median(total).toFixed(0),
    parse_median_ms: median(parse).toFixed(0),
    validate_median_ms: median(validate).toFixed(0),
    target_ms: 500,
    rss_growth_mib: ((peakRss - rssBefore) / 1024 / 1024).toFixed(0),
  });
  print(await addonUploadLatency({ uploads: Number(args[1] ?? 20), members: Number(args[2] ?? 150) }));
}

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * The production stack is never started on this machine (no Docker engine), so these tests read
 * docker-compose.yml, the Dockerfile and .dockerignore the way Compose and a deployer would:
 * interpolate ${VAR} from a sample .env, then check what would start, in which order, wired to what.
 */

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

const APP_SERVICES = ['migrate', 'worker', 'api', 'gateway'];
const LONG_RUNNING_APP_SERVICES = ['worker', 'api', 'gateway'];
const REQUIRED_APP_SECRETS = ['BLIZZARD_CLIENT_ID', 'BLIZZARD_CLIENT_SECRET', 'DISCORD_BOT_TOKEN'];
const REQUIRED_SECRETS = [...REQUIRED_APP_SECRETS, 'POSTGRES_PASSWORD'];

/** The .env a deployer writes (see README "Running in production"). */
const SAMPLE_ENV: Record<string, string> = {
  POSTGRES_PASSWORD: 'pw4postgres',
  BLIZZARD_CLIENT_ID: 'blizzard-id',
  BLIZZARD_CLIENT_SECRET: 'blizzard-secret',
  DISCORD_BOT_TOKEN: 'discord-token',
  DISCORD_GUILD_ID: '111111111111111111',
  PATT_AUDIT_CHANNEL_ID: '222222222222222222',
};

// ---------------------------------------------------------------------------------------------
// Compose-file model: just enough of the Compose spec to read this file as Compose does.

type Env = Record<string, string | undefined>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: Array<string | number | { target: number | string; published?: number | string; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}
interface ComposeFile {
  version?: unknown;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

class MissingVariableError extends Error {}

/** Compose interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}. */
function interpolate(value: string, env: Env): string {
  return value.replace(/\$\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced?: string, bare?: string) => {
    if (match === '$$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(braced!);
    if (!m) throw new Error(`Invalid interpolation ${match}`);
    const [, name, colon, op, arg] = m;
    const v = env[name!];
    const unset = v === undefined || (colon === ':' && v === '');
    switch (op) {
      case undefined:
        return v ?? '';
      case '-':
        return unset ? interpolate(arg!, env) : v!;
      case '+':
        return unset ? '' : interpolate(arg!, env);
      default: // '?'
        if (unset) throw new MissingVariableError(`required variable ${name} is missing a value: ${arg}`);
        return v!;
    }
  });
}

function interpolateDeep<T>(node: T, env: Env): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((n) => interpolateDeep(n, env)) as T;
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDeep(v, env)])) as T;
  }
  return node;
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => {
      const i = entry.indexOf('=');
      return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

function dependenciesOf(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, v]) => [d, v?.condition ?? 'service_started']));
}

interface PortMapping {
  hostIp?: string;
  published?: string;
  target: string;
}
function portsOf(service: Service): PortMapping[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') {
      return { hostIp: p.host_ip, published: p.published?.toString(), target: String(p.target) };
    }
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const target = parts.pop()!;
    const published = parts.pop();
    return { hostIp: parts.length ? parts.join(':') : undefined, published, target };
  });
}

function commandOf(service: Service): string[] {
  const c = service.command ?? [];
  return Array.isArray(c) ? c.map(String) : c.split(/\s+/).filter(Boolean);
}

/** Splits an image reference into repository, tag and digest (`registry:5000/a/b:tag@sha256:…`). */
function parseImage(ref: string): { repository: string; tag?: string; digest?: string } {
  const [nameAndTag, digest] = ref.split('@') as [string, string | undefined];
  const lastSlash = nameAndTag.lastIndexOf('/');
  const lastColon = nameAndTag.lastIndexOf(':');
  if (lastColon > lastSlash) {
    return { repository: nameAndTag.slice(0, lastColon), tag: nameAndTag.slice(lastColon + 1), digest };
  }
  return { repository: nameAndTag, digest };
}

/** The variable names envSchema in config/index.ts declares, read from its source. */
function configEnvKeys(): Set<string> {
  const source = read('config/index.ts');
  const start = source.indexOf('const envSchema = z.object({');
  if (start < 0) throw new Error('config/index.ts: `const envSchema = z.object({` not found');
  const end = source.indexOf('\n});', start);
  const body = source.slice(start, end);
  return new Set([...body.matchAll(/^\s{2}([A-Z][A-Z0-9_]*)\s*:/gm)].map((m) => m[1]!));
}

const rawText = read('docker-compose.yml');
const raw = parse(rawText, { merge: true }) as ComposeFile;
const resolved = { ...raw, services: interpolateDeep(raw.services, SAMPLE_ENV) };
const services = resolved.services;

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml: services and images', () => {
  it('is a Compose-spec file without the obsolete `version` key', () => {
    expect(raw.version).toBeUndefined();
    expect(typeof raw.services).toBe('object');
  });

  it('defines the whole stack', () => {
    const expected = ['postgres', 'temporal', 'temporal-ui', ...APP_SERVICES];
    expect(expected.filter((name) => !(name in services))).toEqual([]);
  });

  it('pins every pulled image to an explicit tag, never `latest`', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) {
        if (!service.build) problems.push(`${name}: neither image nor build`);
        continue;
      }
      const { tag, digest } = parseImage(service.image);
      if (tag === 'latest') problems.push(`${name}: ${service.image} uses latest`);
      if (!service.build && !tag && !digest) problems.push(`${name}: ${service.image} has no tag`);
    }
    expect(problems).toEqual([]);
  });

  it('uses the official PostgreSQL, Temporal server and Temporal UI images', () => {
    expect(parseImage(services.postgres!.image!).repository).toBe('postgres');
    expect(['temporalio/server', 'temporalio/auto-setup']).toContain(parseImage(services.temporal!.image!).repository);
    expect(parseImage(services['temporal-ui']!.image!).repository).toBe('temporalio/ui');
  });

  it('runs Temporal admin-tools jobs at the same version as the server', () => {
    const serverTag = parseImage(services.temporal!.image!).tag;
    const adminTools = Object.entries(services).filter(
      ([, s]) => s.image && parseImage(s.image).repository === 'temporalio/admin-tools',
    );
    for (const [, s] of adminTools) expect(parseImage(s.image!).tag).toBe(serverTag);
  });

  it('builds all app services from this repository as one image', () => {
    for (const name of APP_SERVICES) {
      expect(services[name]!.build).toBeDefined();
      expect(services[name]!.image).toBe(services.api!.image);
    }
  });
});

describe('docker-compose.yml: ports', () => {
  const published = (name: string) => portsOf(services[name]!);

  it('publishes the API on 3000', () => {
    expect(published('api')).toEqual(expect.arrayContaining([expect.objectContaining({ published: '3000', target: '3000' })]));
  });

  it('publishes the Temporal frontend on 7233', () => {
    expect(published('temporal')).toEqual(
      expect.arrayContaining([expect.objectContaining({ published: '7233', target: '7233' })]),
    );
  });

  it('publishes the Temporal UI on 8233, where it listens on 8080 in its container', () => {
    expect(published('temporal-ui')).toEqual(
      expect.arrayContaining([expect.objectContaining({ published: '8233', target: '8080' })]),
    );
  });

  it('keeps Temporal and its unauthenticated UI on this host only, unless told otherwise', () => {
    expect(published('temporal').every((p) => p.hostIp === '127.0.0.1')).toBe(true);
    expect(published('temporal-ui').every((p) => p.hostIp === '127.0.0.1')).toBe(true);
  });

  it('does not publish PostgreSQL', () => {
    expect(published('postgres')).toEqual([]);
  });
});

describe('docker-compose.yml: start order', () => {
  it.each(LONG_RUNNING_APP_SERVICES)('%s waits for a healthy Temporal and completed migrations', (name) => {
    const deps = dependenciesOf(services[name]!);
    expect(deps.temporal).toBe('service_healthy');
    expect(deps.migrate).toBe('service_completed_successfully');
  });

  it('migrate waits for a healthy PostgreSQL and never restarts', () => {
    expect(dependenciesOf(services.migrate!).postgres).toBe('service_healthy');
    expect(services.migrate!.restart).toBe('no');
  });

  it('every dependency names a defined service', () => {
    const dangling = Object.entries(services).flatMap(([name, s]) =>
      Object.keys(dependenciesOf(s)).filter((d) => !(d in services)).map((d) => `${name} -> ${d}`),
    );
    expect(dangling).toEqual([]);
  });

  it('every service waited on as healthy has a healthcheck, every job waited on to complete does not restart', () => {
    const problems: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependenciesOf(s))) {
        const target = services[dep];
        if (!target) continue;
        if (condition === 'service_healthy' && (!target.healthcheck?.test || target.healthcheck.disable)) {
          problems.push(`${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
        }
        if (condition === 'service_completed_successfully' && (target.restart ?? 'no') !== 'no') {
          problems.push(`${name} waits for ${dep} to complete, but ${dep} restarts (${target.restart})`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('PostgreSQL is healthy when pg_isready says so', () => {
    expect([services.postgres!.healthcheck?.test].flat().join(' ')).toContain('pg_isready');
  });

  it('the API is healthy when GET /api/health answers on its port', () => {
    const test = [services.api!.healthcheck?.test].flat().join(' ');
    const port = environmentOf(services.api!).API_PORT;
    expect(test).toContain(`:${port}/api/health`);
  });
});

describe('docker-compose.yml: app environment', () => {
  const env = (name: string) => environmentOf(services[name]!);

  it('gives every app service the same environment', () => {
    for (const name of APP_SERVICES) expect(env(name)).toEqual(env('api'));
  });

  it.each(APP_SERVICES)('%s runs with NODE_ENV=production', (name) => {
    expect(env(name).NODE_ENV).toBe('production');
  });

  it.each(APP_SERVICES)('%s reaches PostgreSQL through the postgres service, with its credentials', (name) => {
    const url = new URL(env(name).DATABASE_URL!);
    const pg = environmentOf(services.postgres!);
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('postgres');
    expect(['', '5432']).toContain(url.port);
    expect(decodeURIComponent(url.username)).toBe(pg.POSTGRES_USER ?? 'postgres');
    expect(decodeURIComponent(url.password)).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB ?? pg.POSTGRES_USER ?? 'postgres'}`);
  });

  it.each(APP_SERVICES)('%s reaches Temporal at temporal:7233', (name) => {
    expect(env(name).TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('the API listens on all interfaces of its container, on the published port', () => {
    expect(env('api').API_HOST).toBe('0.0.0.0');
    expect(portsOf(services.api!).map((p) => p.target)).toContain(env('api').API_PORT);
  });

  it('Temporal uses the same PostgreSQL credentials', () => {
    const pg = environmentOf(services.postgres!);
    const temporal = environmentOf(services.temporal!);
    expect(temporal.POSTGRES_SEEDS).toBe('postgres');
    expect(temporal.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(temporal.POSTGRES_PWD).toBe(pg.POSTGRES_PASSWORD);
  });

  it('the UI reaches Temporal at temporal:7233', () => {
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('sets only variables that config/index.ts reads', () => {
    const known = configEnvKeys();
    expect(known.has('DATABASE_URL')).toBe(true); // the extraction itself works
    const unknown = APP_SERVICES.flatMap((name) =>
      Object.keys(env(name)).filter((key) => !known.has(key)).map((key) => `${name}: ${key}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('docker-compose.yml: secrets', () => {
  const requiredInterpolation = (name: string) => new RegExp(`^\\$\\{${name}:\\?[^}]+\\}$`);

  it.each(APP_SERVICES)('%s takes the Blizzard and Discord secrets from required ${VAR:?…} interpolations', (name) => {
    const env = environmentOf(raw.services[name]!);
    for (const secret of REQUIRED_APP_SECRETS) expect(env[secret]).toMatch(requiredInterpolation(secret));
  });

  it('takes POSTGRES_PASSWORD from a required ${VAR:?…} interpolation everywhere it is used', () => {
    expect(environmentOf(raw.services.postgres!).POSTGRES_PASSWORD).toMatch(requiredInterpolation('POSTGRES_PASSWORD'));
    expect(environmentOf(raw.services.temporal!).POSTGRES_PWD).toMatch(requiredInterpolation('POSTGRES_PASSWORD'));
    for (const name of APP_SERVICES) {
      expect(environmentOf(raw.services[name]!).DATABASE_URL).toMatch(/\$\{POSTGRES_PASSWORD:\?[^}]+\}/);
    }
  });

  it('has no literal value for any password, secret or token', () => {
    const literal = Object.entries(raw.services).flatMap(([name, s]) =>
      Object.entries(environmentOf(s))
        .filter(([key]) => /PASSWORD|SECRET|TOKEN|PWD/.test(key))
        .filter(([, value]) => !/^\$\{[A-Z0-9_]+:\?[^}]+\}$/.test(value))
        .map(([key]) => `${name}: ${key}`),
    );
    expect(literal).toEqual([]);
  });

  it.each(REQUIRED_SECRETS)('refuses to start when .env lacks %s, or leaves it empty', (secret) => {
    const { [secret]: _omitted, ...withoutIt } = SAMPLE_ENV;
    expect(() => interpolateDeep(raw.services, withoutIt)).toThrow(new RegExp(`required variable ${secret} `));
    expect(() => interpolateDeep(raw.services, { ...SAMPLE_ENV, [secret]: '' })).toThrow(MissingVariableError);
  });

  it('starts with nothing but the sample .env', () => {
    expect(() => interpolateDeep(raw.services, SAMPLE_ENV)).not.toThrow();
  });
});

describe('docker-compose.yml: entry points and files', () => {
  const ENTRY_POINTS: Record<string, string> = {
    migrate: 'dist/scripts/migrate.js',
    worker: 'dist/workers/main.js',
    api: 'dist/api/main.js',
    gateway: 'dist/gateway/main.js',
  };

  it.each(Object.entries(ENTRY_POINTS))('%s runs node %s', (name, script) => {
    expect(commandOf(services[name]!)).toEqual(['node', script]);
  });

  it('every app command runs a compiled file whose TypeScript source exists', () => {
    const missing: string[] = [];
    for (const name of APP_SERVICES) {
      const script = commandOf(services[name]!).find((arg) => arg.endsWith('.js'));
      expect(script).toMatch(/^dist\/.+\.js$/);
      const source = script!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      if (!fs.existsSync(path.join(ROOT, source))) missing.push(source);
    }
    expect(missing).toEqual([]);
  });

  it('keeps PostgreSQL data in a named volume at the data directory of its major version', () => {
    const major = Number(parseImage(services.postgres!.image!).tag?.match(/^\d+/)?.[0]);
    // postgres:18 and later images keep data under /var/lib/postgresql/<major>/docker.
    const dataDir = major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
    const mounts = (services.postgres!.volumes ?? []).map((v) =>
      typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v,
    );
    const data = mounts.find((m) => m.target === dataDir);
    expect(data).toBeDefined();
    expect(Object.keys(raw.volumes ?? {})).toContain(data!.source);
  });

  it('every file bind-mounted from the repository exists', () => {
    const missing = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => (typeof v === 'string' ? v.split(':')[0]! : (v.source ?? '')))
      .filter((source) => source.startsWith('.'))
      .filter((source) => !fs.existsSync(path.join(ROOT, source)));
    expect(missing).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
/** Dockerfile instructions (continuations joined, comments dropped), grouped by stage. */
function dockerfileStages(text: string): { args: Record<string, string>; stages: Instruction[][] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim());
  const instructions = lines
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
  const args: Record<string, string> = {};
  const stages: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') stages.push([ins]);
    else if (stages.length) stages[stages.length - 1]!.push(ins);
    else if (ins.op === 'ARG') {
      const [k, v] = ins.args.split('=');
      args[k!] = v ?? '';
    }
  }
  return { args, stages };
}

describe('Dockerfile', () => {
  const { args, stages } = dockerfileStages(read('Dockerfile'));
  const runtime = stages[stages.length - 1] ?? [];
  const runs = (stage: Instruction[]) => stage.filter((i) => i.op === 'RUN').map((i) => i.args);
  const baseImage = (stage: Instruction[]) =>
    stage[0]!.args.split(/\s+/)[0]!.replace(/\$\{?([A-Z_]+)\}?/g, (_m, name: string) => args[name] ?? '');

  it('is multi-stage on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(baseImage(stage)).toBe('node:20-bookworm-slim');
  });

  it('installs with npm ci, then builds with npm run build', () => {
    const build = stages.find((stage) => runs(stage).some((r) => r.includes('npm run build')));
    expect(build).toBeDefined();
    const commands = runs(build!);
    const ci = commands.findIndex((r) => /npm ci\b/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(ci).toBeLessThan(commands.findIndex((r) => r.includes('npm run build')));
  });

  it('ships production dependencies and the compiled dist/ only', () => {
    expect(runs(runtime).some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs(runtime).some((r) => r.includes('npm run build'))).toBe(false);
    const copies = runtime.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(copies.some((c) => /--from=\S+/.test(c) && /\bdist\b/.test(c))).toBe(true);
  });

  it('runs as a non-root user', () => {
    const users = runtime.filter((i) => i.op === 'USER').map((i) => i.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
  });

  it('bakes in no secrets', () => {
    const all = stages.flat();
    const named = all
      .filter((i) => i.op === 'ENV' || i.op === 'ARG')
      .flatMap((i) => i.args.split(/\s+/).map((kv) => kv.split('=')[0]!));
    expect(named.filter((n) => /PASSWORD|SECRET|TOKEN|CLIENT_ID|DATABASE_URL/.test(n))).toEqual([]);
    expect(all.filter((i) => (i.op === 'COPY' || i.op === 'ADD') && /(^|\s|\/)\.env\b/.test(i.args))).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps secrets, local state and build output out of the build context', () => {
    const entries = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\/|\/$/g, ''))
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.data', '.cache', '.env', '.git']) expect(entries).toContain(entry);
  });
});

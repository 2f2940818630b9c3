import path from 'node:path';
import { z } from 'zod';

/**
 * The one place that reads the environment. Every process calls loadConfig() at start; a missing
 * or bad variable stops start-up with one line naming it and what to do.
 */

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const SNOWFLAKE = /^\d{15,21}$/;
const urlWithDefault = (fallback: string) => z.url().default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PATT_DATA_DIR: z.string().default('.data'),

  DATABASE_URL: optionalText.pipe(z.url().optional()),
  EMBEDDED_PG_PORT: port(54329),

  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_UI_URL: urlWithDefault('http://localhost:8233'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_CLI_PATH: optionalText,

  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port(3000),
  API_PUBLIC_URL: optionalText.pipe(z.url().optional()),

  BLIZZARD_CLIENT_ID: optionalText,
  BLIZZARD_CLIENT_SECRET: optionalText,
  BLIZZARD_API_URL: urlWithDefault('https://us.api.blizzard.com'),
  BLIZZARD_OAUTH_URL: urlWithDefault('https://oauth.battle.net'),
  BLIZZARD_REGION: z.enum(['us', 'eu', 'kr', 'tw']).default('us'),
  BLIZZARD_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100).default(100),
  BLIZZARD_RATE_PER_HOUR: z.coerce.number().int().min(1).max(36000).default(36000),
  BLIZZARD_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),

  PATT_GUILD_REALM_SLUG: z.string().regex(/^[a-z0-9-]+$/, 'a realm slug such as senjin').default('senjin'),
  PATT_GUILD_NAME_SLUG: z.string().regex(/^[a-z0-9-]+$/, 'a guild slug such as pull-all-the-things').default('pull-all-the-things'),
  PROFILE_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  ROSTER_SYNC_HOURS_UTC: z
    .string()
    .default('0,6,12,18')
    .transform((s) => s.split(',').map((h) => Number(h.trim())))
    .pipe(z.array(z.number().int().min(0).max(23)).min(1)),

  STANDIN_BLIZZARD_PORT: port(3101),
  DEMO_GUILD_SIZE: z.coerce.number().int().min(10).max(50_000).default(150),

  DISCORD_BOT_TOKEN: optionalText,
  DISCORD_GUILD_ID: optionalText.pipe(z.string().regex(SNOWFLAKE, 'a server id (digits; Discord: right-click the server, Copy Server ID)').optional()),
  DISCORD_API_URL: urlWithDefault('https://discord.com/api'),
  PATT_AUDIT_CHANNEL_ID: optionalText.pipe(z.string().regex(SNOWFLAKE, 'a channel id (digits)').optional()),
  DISCORD_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  DISCORD_RECONCILE_EVERY_MINUTES: z.coerce.number().int().min(5).max(1440).default(60),
  STANDIN_DISCORD_PORT: port(3102),
  DEMO_DISCORD_SIZE: z.coerce.number().int().min(10).max(50_000).default(160),

  AUDIT_STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  AUDIT_UNAVAILABLE_DAYS: z.coerce.number().int().min(1).max(365).default(3),
  AUDIT_GRACE_HOURS: z.coerce.number().min(0).max(168).default(12),
  AUDIT_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  AUDIT_FIRST_REPORT_WAITS_FOR: z
    .string()
    .default('addon,sheet')
    .transform((s) => [...new Set(s.split(',').map((w) => w.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(['addon', 'sheet'], { error: 'a comma-separated list of addon and sheet, or empty to post the first report at once' }))),
});

export type Env = z.infer<typeof envSchema>;

/** Every variable the processes read (.env.example must list them all). */
export const ENV_VARIABLES = Object.keys(envSchema.shape) as (keyof Env)[];

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  /** Demo mode: no Blizzard credentials, so the built-in stand-in plays Blizzard. */
  demo: boolean;
  database: { url?: string; embeddedPort: number };
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    port: number;
    uiPort: number;
    cliPath?: string;
  };
  api: { host: string; port: number; publicUrl: string };
  blizzard: {
    clientId: string;
    clientSecret: string;
    apiUrl: string;
    oauthUrl: string;
    region: Env['BLIZZARD_REGION'];
    ratePerSecond: number;
    ratePerHour: number;
    timeoutMs: number;
  };
  guild: { realmSlug: string; nameSlug: string; key: string };
  rosterSync: { profileBatchSize: number; hoursUtc: number[] };
  standins: { blizzardPort: number; demoGuildSize: number; discordPort: number; demoDiscordSize: number };
  discord: {
    /** Demo mode for Discord: no bot token, so the built-in stand-in plays Discord. */
    demo: boolean;
    botToken: string;
    /** The guild's Discord server (snowflake). */
    guildId: string;
    apiUrl: string;
    auditChannelId?: string;
    timeoutMs: number;
    reconcileEveryMinutes: number;
  };
  audit: {
    settings: { staleDays: number; unavailableDays: number; graceHours: number };
    /** Quiet seconds after the last sync or upload before the audit runs: a burst makes one report. */
    debounceSeconds: number;
    /**
     * What a guild's first report waits for (held, but previewable) until an officer releases it:
     * the first addon upload imported and/or the first real sheet import. Empty: post at once.
     */
    firstReportWaitsFor: ('addon' | 'sheet')[];
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The Discord stand-in's bot token and server. npm start passes the stand-in's own ids to its
 * children; these defaults only matter for a stand-in started on its own.
 */
export const DEMO_DISCORD = { botToken: 'patt-demo-bot-token', guildId: '1045367129850000000' };

/** Client id and secret the stand-in accepts; never valid against the real Blizzard API. */
export const DEMO_BLIZZARD_CREDENTIALS = { clientId: 'patt-demo-client', clientSecret: 'patt-demo-secret' };

const ADVICE: Record<string, string> = {
  DATABASE_URL: 'use postgres://user:password@host:5432/dbname, or unset it to use the embedded PostgreSQL',
  BLIZZARD_CLIENT_ID: 'create a client at https://develop.battle.net/access/clients, or unset both for the demo',
  BLIZZARD_CLIENT_SECRET: 'create a client at https://develop.battle.net/access/clients, or unset both for the demo',
};

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const value = source[name];
    const shown = value === undefined ? 'it is missing' : `got ${JSON.stringify(isSecret(name) ? '***' : value)}`;
    throw new ConfigError(
      `Invalid ${name}: ${issue.message} (${shown}). ${ADVICE[name] ?? 'Fix it in .env or the environment (see .env.example).'}`,
    );
  }
  const e = parsed.data;
  if (Boolean(e.BLIZZARD_CLIENT_ID) !== Boolean(e.BLIZZARD_CLIENT_SECRET)) {
    const missing = e.BLIZZARD_CLIENT_ID ? 'BLIZZARD_CLIENT_SECRET' : 'BLIZZARD_CLIENT_ID';
    throw new ConfigError(
      `Missing ${missing}: Blizzard credentials come in pairs. Set both (${ADVICE[missing]}).`,
    );
  }
  const demo = !e.BLIZZARD_CLIENT_ID;
  const discordDemo = !e.DISCORD_BOT_TOKEN;
  if (!discordDemo && !e.DISCORD_GUILD_ID) {
    throw new ConfigError(
      'Missing DISCORD_GUILD_ID: with DISCORD_BOT_TOKEN set, say which server to sync (Discord: enable Developer Mode, right-click the server, Copy Server ID).',
    );
  }
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: path.resolve(e.PATT_DATA_DIR),
    demo,
    database: { url: e.DATABASE_URL, embeddedPort: e.EMBEDDED_PG_PORT },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      uiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, ''),
      port: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      cliPath: e.TEMPORAL_CLI_PATH,
    },
    api: {
      host: e.API_HOST,
      port: e.API_PORT,
      publicUrl: (e.API_PUBLIC_URL ?? `http://${e.API_HOST}:${e.API_PORT}`).replace(/\/$/, ''),
    },
    blizzard: {
      clientId: e.BLIZZARD_CLIENT_ID ?? DEMO_BLIZZARD_CREDENTIALS.clientId,
      clientSecret: e.BLIZZARD_CLIENT_SECRET ?? DEMO_BLIZZARD_CREDENTIALS.clientSecret,
      apiUrl: e.BLIZZARD_API_URL.replace(/\/$/, ''),
      oauthUrl: e.BLIZZARD_OAUTH_URL.replace(/\/$/, ''),
      region: e.BLIZZARD_REGION,
      ratePerSecond: e.BLIZZARD_RATE_PER_SECOND,
      ratePerHour: e.BLIZZARD_RATE_PER_HOUR,
      timeoutMs: e.BLIZZARD_TIMEOUT_MS,
    },
    guild: {
      realmSlug: e.PATT_GUILD_REALM_SLUG,
      nameSlug: e.PATT_GUILD_NAME_SLUG,
      key: `${e.BLIZZARD_REGION}/${e.PATT_GUILD_REALM_SLUG}/${e.PATT_GUILD_NAME_SLUG}`,
    },
    rosterSync: { profileBatchSize: e.PROFILE_BATCH_SIZE, hoursUtc: e.ROSTER_SYNC_HOURS_UTC },
    standins: {
      blizzardPort: e.STANDIN_BLIZZARD_PORT,
      demoGuildSize: e.DEMO_GUILD_SIZE,
      discordPort: e.STANDIN_DISCORD_PORT,
      demoDiscordSize: e.DEMO_DISCORD_SIZE,
    },
    discord: {
      demo: discordDemo,
      botToken: e.DISCORD_BOT_TOKEN ?? DEMO_DISCORD.botToken,
      guildId: e.DISCORD_GUILD_ID ?? DEMO_DISCORD.guildId,
      apiUrl: e.DISCORD_API_URL.replace(/\/$/, ''),
      auditChannelId: e.PATT_AUDIT_CHANNEL_ID,
      timeoutMs: e.DISCORD_TIMEOUT_MS,
      reconcileEveryMinutes: e.DISCORD_RECONCILE_EVERY_MINUTES,
    },
    audit: {
      settings: { staleDays: e.AUDIT_STALE_DAYS, unavailableDays: e.AUDIT_UNAVAILABLE_DAYS, graceHours: e.AUDIT_GRACE_HOURS },
      debounceSeconds: e.AUDIT_DEBOUNCE_SECONDS,
      firstReportWaitsFor: e.AUDIT_FIRST_REPORT_WAITS_FOR,
    },
  };
}

function isSecret(name: string): boolean {
  return /SECRET|TOKEN|PASSWORD|KEY/.test(name) || name === 'DATABASE_URL';
}

/**
 * Runs an entry point's main(): a ConfigError prints its one line and sets exit code 1, without a
 * stack trace, so the person starting the process sees exactly what to fix.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  });
}

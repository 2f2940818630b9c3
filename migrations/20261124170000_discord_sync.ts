import type { Knex } from 'knex';

/**
 * Discord sync: what happened to members (joins, leaves, role and name changes), the gateway
 * listener's health, and the time each member row's state was observed, so a reconcile page fetched
 * before a live event never overwrites the newer state the event wrote.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('discord_members', (t) => {
    t.timestamp('state_observed_at', { useTz: true }).comment('When the state in this row was seen on Discord (event or page fetch)');
    t.index(['guild_id', 'departed_at'], 'discord_members_present_idx');
  });

  await knex.schema.createTable('discord_member_events', (t) => {
    t.comment('What happened to a member of the Discord server: join, leave, roles or names changed.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('discord_member_id').notNullable().references('discord_members.id').onDelete('CASCADE');
    t.text('kind').notNullable().comment('join | leave | roles_changed | renamed');
    t.jsonb('details').notNullable().defaultTo('{}').comment('added/removed role ids, or from/to names');
    t.text('source').notNullable().comment('gateway (live event) | reconcile (full pass found it)');
    t.integer('sync_run_id').references('sync_runs.id').onDelete('SET NULL');
    t.timestamp('occurred_at', { useTz: true }).notNullable().comment('When Discord told us (event) or the pass saw it');
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['guild_id', 'occurred_at'], 'discord_member_events_recent_idx');
    t.index(['discord_member_id'], 'discord_member_events_member_idx');
  });
  await knex.raw(
    "ALTER TABLE discord_member_events ADD CONSTRAINT discord_member_events_kind_chk CHECK (kind IN ('join','leave','roles_changed','renamed'))",
  );
  await knex.raw(
    "ALTER TABLE discord_member_events ADD CONSTRAINT discord_member_events_source_chk CHECK (source IN ('gateway','reconcile'))",
  );

  await knex.schema.createTable('discord_gateway_status', (t) => {
    t.comment('What the gateway listener reports about itself: connected or not, and when it last heard anything.');
    t.integer('guild_id').primary().references('guilds.id').onDelete('CASCADE');
    t.text('discord_guild_id').notNullable();
    t.boolean('connected').notNullable().defaultTo(false);
    t.text('bot_user').comment('username of the bot the listener logged in as');
    t.timestamp('connected_at', { useTz: true });
    t.timestamp('disconnected_at', { useTz: true });
    t.timestamp('last_heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('The listener writes this every few seconds; stale means it is gone');
    t.timestamp('last_event_at', { useTz: true }).comment('Last member event received from the gateway');
    t.integer('events_received').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('discord_gateway_status');
  await knex.schema.dropTableIfExists('discord_member_events');
  await knex.schema.alterTable('discord_members', (t) => {
    t.dropIndex(['guild_id', 'departed_at'], 'discord_members_present_idx');
    t.dropColumn('state_observed_at');
  });
}

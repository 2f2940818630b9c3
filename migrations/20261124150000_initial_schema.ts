import type { Knex } from 'knex';

/**
 * The whole data model of the guild. Every guild-owned row carries guild_id; identities from the
 * outside world (Blizzard character id, Discord snowflake) are the keys, never names.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('guilds', (t) => {
    t.comment('A WoW guild this installation keeps in sync; everything else hangs off one.');
    t.increments('id').primary();
    t.text('key').notNullable().unique('guilds_key_uniq').comment('region/realm-slug/guild-slug, e.g. us/senjin/pull-all-the-things');
    t.text('region').notNullable().comment('Blizzard API region: us, eu, kr, tw');
    t.text('realm_slug').notNullable().comment('The guild home realm slug, as the API spells it');
    t.text('name_slug').notNullable().comment('The guild name slug used in API paths');
    t.text('name').comment('Display name from the roster response');
    t.text('faction').comment('ALLIANCE or HORDE, when the roster says');
    t.bigInteger('blizzard_guild_id').comment('Guild id from the roster response');
    t.timestamps(true, true);
  });

  await knex.schema.createTable('persons', (t) => {
    t.comment('One human being behind characters and Discord accounts.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('display_name').notNullable().comment('What officers call this person, e.g. Mike');
    t.text('notes').comment('Free text kept by officers');
    t.timestamps(true, true);
    t.index(['guild_id'], 'persons_guild_idx');
  });

  await knex.schema.createTable('wow_characters', (t) => {
    t.comment('A WoW character, keyed by its Blizzard id: names and realms change, the id does not.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.bigInteger('blizzard_character_id').notNullable().comment('character.id from the roster');
    t.text('guid').comment('In-game GUID (Player-162-09C2CB5D), from the addon');
    t.text('name').notNullable().comment('Current name, as the game shows it (may be non-ASCII)');
    t.text('realm_slug').notNullable().comment('Current realm slug, taken from API data');
    t.text('realm_name').comment('Realm display name, when known');
    t.integer('realm_id').comment('Blizzard realm id');
    t.integer('level');
    t.integer('class_id');
    t.text('class_name');
    t.text('race_name');
    t.text('active_spec');
    t.text('faction');
    t.integer('average_item_level');
    t.integer('equipped_item_level');
    t.timestamp('last_login_at', { useTz: true }).comment('From the profile last_login_timestamp');
    t.integer('rank').comment('Guild rank index: 0 Guild Leader … 4 Initiate');
    t.boolean('in_guild').notNullable().defaultTo(true).comment('On the latest roster; false after a leave event (never deleted)');
    t.timestamp('joined_guild_at', { useTz: true }).comment('First roster this character was seen on (this stint)');
    t.timestamp('left_guild_at', { useTz: true }).comment('Roster sync that no longer listed it');
    t.timestamp('roster_seen_at', { useTz: true }).comment('Last roster that listed it');
    t.text('profile_status').notNullable().defaultTo('unknown').comment('ok | unavailable | unknown');
    t.timestamp('unavailable_since', { useTz: true }).comment('First profile 404 of the current streak');
    t.text('unavailable_reason').comment('Why the profile could not be read (renamed, transferred, private, low level)');
    t.text('profile_last_modified').comment('Last-Modified of the last full profile, sent back as If-Modified-Since');
    t.timestamp('profile_fetched_at', { useTz: true });
    t.text('guild_note').comment('Public note from the addon');
    t.text('officer_note').comment('Officer note from the addon');
    t.timestamp('notes_updated_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['guild_id', 'blizzard_character_id'], { indexName: 'wow_characters_blizzard_id_uniq' });
    t.index(['guild_id', 'in_guild'], 'wow_characters_in_guild_idx');
    t.index(['guild_id', 'realm_slug', 'name'], 'wow_characters_name_idx');
  });
  await knex.raw(
    'CREATE UNIQUE INDEX wow_characters_guid_uniq ON wow_characters (guild_id, guid) WHERE guid IS NOT NULL',
  );
  await knex.raw(
    "ALTER TABLE wow_characters ADD CONSTRAINT wow_characters_profile_status_chk CHECK (profile_status IN ('ok','unavailable','unknown'))",
  );

  await knex.schema.createTable('wow_character_names', (t) => {
    t.comment('Every name and realm a character has had, so a rename is followed, not lost.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('wow_character_id').notNullable().references('wow_characters.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('realm_slug').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['wow_character_id', 'name', 'realm_slug'], { indexName: 'wow_character_names_uniq' });
  });

  await knex.schema.createTable('discord_members', (t) => {
    t.comment('A Discord account on the guild server, keyed by snowflake; departed members are kept.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('discord_user_id').notNullable().comment('User snowflake');
    t.text('username').notNullable();
    t.text('global_name').comment('Global display name');
    t.text('nickname').comment('Server nickname');
    t.boolean('is_bot').notNullable().defaultTo(false);
    t.specificType('role_ids', 'text[]').notNullable().defaultTo('{}').comment('Role snowflakes held now');
    t.timestamp('joined_server_at', { useTz: true });
    t.timestamp('departed_at', { useTz: true }).comment('Left the server; the row stays');
    t.timestamp('last_seen_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['guild_id', 'discord_user_id'], { indexName: 'discord_members_user_uniq' });
  });

  await knex.schema.createTable('discord_roles', (t) => {
    t.comment('Roles of the guild Discord server.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('discord_role_id').notNullable();
    t.text('name').notNullable();
    t.integer('position');
    t.integer('color');
    t.boolean('managed').notNullable().defaultTo(false).comment('Owned by an integration (bots)');
    t.integer('guild_rank').comment('Guild rank this role stands for (0 GM … 4 Initiate), if any');
    t.timestamp('deleted_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['guild_id', 'discord_role_id'], { indexName: 'discord_roles_role_uniq' });
  });

  await knex.schema.createTable('identity_links', (t) => {
    t.comment('A claim that a character or Discord account belongs to a person, and why.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('person_id').notNullable().references('persons.id').onDelete('CASCADE');
    t.integer('wow_character_id').references('wow_characters.id').onDelete('CASCADE');
    t.integer('discord_member_id').references('discord_members.id').onDelete('CASCADE');
    t.text('status').notNullable().comment('suggested | confirmed | rejected');
    t.text('source').notNullable().comment('matcher | officer | seed_import | guild_note');
    t.jsonb('evidence').notNullable().defaultTo('[]').comment('What the link rests on, shown to officers');
    t.decimal('confidence', 4, 3).notNullable().defaultTo(0);
    t.text('decided_by').comment('Officer who confirmed or rejected it');
    t.text('reason').comment('Why it was confirmed or rejected');
    t.timestamps(true, true);
    t.index(['guild_id', 'status'], 'identity_links_status_idx');
  });
  await knex.raw(`ALTER TABLE identity_links
    ADD CONSTRAINT identity_links_one_target_chk CHECK ((wow_character_id IS NULL) <> (discord_member_id IS NULL)),
    ADD CONSTRAINT identity_links_status_chk CHECK (status IN ('suggested','confirmed','rejected')),
    ADD CONSTRAINT identity_links_confidence_chk CHECK (confidence >= 0 AND confidence <= 1)`);
  await knex.raw(`CREATE UNIQUE INDEX identity_links_character_confirmed_uniq ON identity_links (wow_character_id)
    WHERE status = 'confirmed' AND wow_character_id IS NOT NULL`);
  await knex.raw(`CREATE UNIQUE INDEX identity_links_member_confirmed_uniq ON identity_links (discord_member_id)
    WHERE status = 'confirmed' AND discord_member_id IS NOT NULL`);
  await knex.raw(`CREATE UNIQUE INDEX identity_links_person_target_uniq ON identity_links
    (person_id, COALESCE(wow_character_id, 0), COALESCE(discord_member_id, 0))`);

  await knex.schema.createTable('sync_runs', (t) => {
    t.comment('One run of a sync or audit workflow, with what it counted.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('kind').notNullable().comment('blizzard_roster | discord_reconcile | addon_import | audit');
    t.text('workflow_id').notNullable();
    t.text('temporal_run_id').notNullable().comment('Temporal run id; retries of a step reuse the row');
    t.text('status').notNullable().defaultTo('running').comment('running | succeeded | failed | skipped | abandoned');
    t.jsonb('counts').notNullable().defaultTo('{}').comment('fetched, new, changed, unchanged, unavailable, gone, …');
    t.text('error').comment('What went wrong, for officers');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now()).comment('Last sign of life; a stale running row is abandoned');
    t.timestamp('finished_at', { useTz: true });
    t.unique(['temporal_run_id'], { indexName: 'sync_runs_temporal_run_uniq' });
    t.index(['guild_id', 'kind', 'started_at'], 'sync_runs_latest_idx');
  });
  await knex.raw(
    "ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_status_chk CHECK (status IN ('running','succeeded','failed','skipped','abandoned'))",
  );
  // The database's own guarantee that two runs of one kind never overlap for a guild.
  await knex.raw("CREATE UNIQUE INDEX sync_runs_one_running_uniq ON sync_runs (guild_id, kind) WHERE status = 'running'");

  await knex.schema.createTable('sync_run_roster_members', (t) => {
    t.comment('The roster as one sync run fetched it: rosters travel through here, not workflow history.');
    t.integer('sync_run_id').notNullable().references('sync_runs.id').onDelete('CASCADE');
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('position').notNullable().comment('Order in the run, for batching by range');
    t.bigInteger('blizzard_character_id').notNullable();
    t.text('name').notNullable();
    t.text('realm_slug').notNullable();
    t.integer('realm_id');
    t.integer('level');
    t.integer('class_id');
    t.integer('race_id');
    t.text('faction');
    t.integer('rank').notNullable();
    t.text('outcome').comment('new | changed | unchanged | unavailable, set once its profile step committed');
    t.boolean('full_fetch').comment('A full profile body came back (false: 304 or 404)');
    t.timestamp('processed_at', { useTz: true });
    t.primary(['sync_run_id', 'blizzard_character_id'], { constraintName: 'sync_run_roster_members_pk' });
    t.unique(['sync_run_id', 'position'], { indexName: 'sync_run_roster_members_position_uniq' });
  });

  await knex.schema.createTable('roster_events', (t) => {
    t.comment('What changed on the in-game roster: join, leave, rank change, rename.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('wow_character_id').notNullable().references('wow_characters.id').onDelete('CASCADE');
    t.integer('sync_run_id').references('sync_runs.id').onDelete('SET NULL');
    t.text('kind').notNullable().comment('join | leave | rank_change | rename');
    t.jsonb('details').notNullable().defaultTo('{}').comment('from / to values');
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['sync_run_id', 'wow_character_id', 'kind'], { indexName: 'roster_events_once_per_run_uniq' });
    t.index(['guild_id', 'occurred_at'], 'roster_events_recent_idx');
  });
  await knex.raw(
    "ALTER TABLE roster_events ADD CONSTRAINT roster_events_kind_chk CHECK (kind IN ('join','leave','rank_change','rename'))",
  );

  await knex.schema.createTable('audit_issues', (t) => {
    t.comment('A finding of the integrity checker, tracked across runs by a stable fingerprint.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('fingerprint').notNullable().comment('Stable hash of rule + subject');
    t.text('rule').notNullable().comment('e.g. rank_role_mismatch, orphan_character');
    t.text('severity').notNullable().defaultTo('warning');
    t.text('summary').notNullable().comment('One line an officer can act on');
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('notified_at', { useTz: true }).comment('Posted to #audit-channel');
    t.unique(['guild_id', 'fingerprint'], { indexName: 'audit_issues_fingerprint_uniq' });
    t.index(['guild_id', 'resolved_at', 'notified_at'], 'audit_issues_open_idx');
  });

  await knex.schema.createTable('report_posts', (t) => {
    t.comment('Ledger of Discord messages: one row per logical message, so a retry never posts twice.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('logical_key').notNullable().comment('Deterministic id of the message (report run + part)');
    t.text('channel_id').notNullable();
    t.text('nonce').notNullable().comment('Sent with enforce_nonce so Discord dedupes re-sends');
    t.text('status').notNullable().defaultTo('pending').comment('pending | posted | failed');
    t.text('discord_message_id');
    t.jsonb('payload').notNullable().comment('The message body as sent');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('posted_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['guild_id', 'logical_key'], { indexName: 'report_posts_logical_key_uniq' });
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.comment('API keys: only a SHA-256 hash is stored; the key is shown once when minted.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.text('name').notNullable().comment('Who or what holds it, e.g. "Rocket companion app"');
    t.text('key_prefix').notNullable().comment('First characters, to recognise a key in lists');
    t.text('key_hash').notNullable().unique('api_keys_hash_uniq');
    t.specificType('scopes', 'text[]').notNullable().comment('read, sync:trigger, addon:upload, identity:write');
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamps(true, true);
  });

  await knex.schema.createTable('addon_uploads', (t) => {
    t.comment('SavedVariables files uploaded by the companion app; the raw payload is kept.');
    t.increments('id').primary();
    t.integer('guild_id').notNullable().references('guilds.id').onDelete('CASCADE');
    t.integer('api_key_id').references('api_keys.id').onDelete('SET NULL');
    t.text('content_hash').notNullable().comment('SHA-256 of the raw file: a re-upload is a no-op');
    t.text('raw_payload').notNullable();
    t.text('status').notNullable().defaultTo('received').comment('received | imported | rejected');
    t.integer('member_count');
    t.text('error');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('imported_at', { useTz: true });
    t.unique(['guild_id', 'content_hash'], { indexName: 'addon_uploads_content_uniq' });
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'addon_uploads',
    'api_keys',
    'report_posts',
    'audit_issues',
    'roster_events',
    'sync_run_roster_members',
    'sync_runs',
    'identity_links',
    'discord_roles',
    'discord_members',
    'wow_character_names',
    'wow_characters',
    'persons',
    'guilds',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}

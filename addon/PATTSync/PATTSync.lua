-- PATTSync: exports the guild roster into SavedVariables (PATTSyncDB) for the PATT Guild Sync
-- companion, which reads WTF/Account/<ACCOUNT>/SavedVariables/PATTSync.lua after the game writes
-- it (on /reload or logout).
--
--   /pattsync         request the roster, export it when GUILD_ROSTER_UPDATE arrives (at most
--                     once every 4 hours)
--   /pattsync force   the same, without the 4-hour wait
--   /pattsync status  when the last export was made and what it holds
--
-- The file format is fixed (core/addon/exportSchema.ts): PATTSyncDB holds schemaVersion,
-- lastExport and lastExportAt, nothing else. Nothing but PATTSyncDB, the event frame and the
-- slash command becomes a global.
--
-- WoW 12.0 hides some values from addons inside Mythic+, raids and other restricted content
-- ("secret values": they cannot be compared or stored). The addon refuses to export there and
-- says why, and never lets a secret value near PATTSyncDB, so the previous export stays intact.

local ADDON_NAME = ... or "PATTSync"

local SCHEMA_VERSION = 1
local FALLBACK_VERSION = "1.0.0"
local THROTTLE_SECONDS = 4 * 60 * 60
local ROSTER_TIMEOUT_SECONDS = 15

-- GetCurrentRegion(): 1 US (with Oceania and Latin America), 2 Korea, 3 Europe, 4 Taiwan, 5 China.
local REGIONS = { [1] = "US", [2] = "KR", [3] = "EU", [4] = "TW", [5] = "CN" }
local FACTIONS = { Horde = true, Alliance = true, Neutral = true }

-- Enum.AddOnRestrictionType names (C_RestrictedActions, 12.0) that hide roster data, and why.
local RESTRICTIONS = {
	{ "ChallengeMode", "you are in a Mythic+ dungeon" },
	{ "Encounter", "you are in a boss encounter" },
	{ "PvPMatch", "you are in a PvP match" },
	{ "Map", "you are somewhere the game restricts addons" },
}

local pending -- the roster request being waited for: { token = n, force = bool }
local lastToken = 0
local exportedThisSession = false

local function say(text)
	print("PATTSync: " .. text)
end

local function addonVersion()
	local getMetadata = (C_AddOns and C_AddOns.GetAddOnMetadata) or GetAddOnMetadata
	local version = getMetadata and getMetadata(ADDON_NAME, "Version")
	if type(version) == "string" and version ~= "" then
		return version
	end
	return FALLBACK_VERSION
end

--- True when any argument is a WoW 12.0 secret value. Only issecretvalue may look at a value
--- before this has said no: comparing, indexing or concatenating a secret raises an error.
local function anySecret(...)
	if type(issecretvalue) ~= "function" then
		return false -- a client before 12.0 has no secret values
	end
	for i = 1, select("#", ...) do
		if issecretvalue((select(i, ...))) then
			return true
		end
	end
	return false
end

--- Why roster data is hidden from addons right now, or nil.
local function restrictedReason()
	if C_ChallengeMode and C_ChallengeMode.IsChallengeModeActive and C_ChallengeMode.IsChallengeModeActive() then
		return "you are in a Mythic+ dungeon"
	end
	local inInstance, instanceType = IsInInstance()
	if inInstance and instanceType == "raid" then
		return "you are in a raid instance"
	end
	if C_RestrictedActions and C_RestrictedActions.IsAddOnRestrictionActive and Enum and Enum.AddOnRestrictionType then
		for _, restriction in ipairs(RESTRICTIONS) do
			local id = Enum.AddOnRestrictionType[restriction[1]]
			if id ~= nil and C_RestrictedActions.IsAddOnRestrictionActive(id) then
				return restriction[2]
			end
		end
	end
	return nil
end

local function refuseRestricted(reason)
	say("not exporting: " .. reason .. ". WoW 12.0 hides guild roster details from addons there"
		.. " (\"secret values\"), so the file would be broken. Nothing was changed; your previous export"
		.. " is kept. Type /pattsync again once you are out.")
end

local function refuseSecret()
	say("not exporting: the game is hiding guild roster details from addons right now (WoW 12.0"
		.. " \"secret values\", as in Mythic+, raids and other restricted content), so the file would be"
		.. " broken. Nothing was changed; your previous export is kept. Type /pattsync again outside"
		.. " restricted content.")
end

--- "3 h 5 min", "12 min", "40 s"; roundUp for waits (never promise an export too early).
local function duration(seconds, roundUp)
	if seconds < 60 then
		return ("%d s"):format(math.max(0, roundUp and math.ceil(seconds) or math.floor(seconds)))
	end
	local minutes = roundUp and math.ceil(seconds / 60) or math.floor(seconds / 60)
	if minutes < 60 then
		return ("%d min"):format(minutes)
	end
	local hours, rest = math.floor(minutes / 60), minutes % 60
	if rest == 0 then
		return ("%d h"):format(hours)
	end
	return ("%d h %d min"):format(hours, rest)
end

local function lastExportAt()
	local at = type(PATTSyncDB) == "table" and PATTSyncDB.lastExportAt
	if type(at) == "number" then
		return at
	end
	return nil
end

--- Reads the whole roster into a new export table (and the exporter's rank name), or says why not
--- and returns nil.
local function buildExport()
	local guildName, myRankName, myRankIndex = GetGuildInfo("player")
	local realm, realmNormalized = GetRealmName(), GetNormalizedRealmName()
	local playerName, playerGuid = UnitName("player"), UnitGUID("player")
	local regionId, faction = GetCurrentRegion(), UnitFactionGroup("player")
	local canView = C_GuildInfo.CanViewOfficerNote()
	local total = GetNumGuildMembers()
	if anySecret(guildName, myRankName, myRankIndex, realm, realmNormalized, playerName, playerGuid,
		regionId, faction, canView, total) then
		refuseSecret()
		return nil
	end
	if type(guildName) ~= "string" or guildName == "" or type(myRankIndex) ~= "number"
		or type(realmNormalized) ~= "string" or realmNormalized == "" or type(playerName) ~= "string" then
		say("the game has not loaded your guild's details yet, so nothing was exported. Type /pattsync again in a moment.")
		return nil
	end
	local region = REGIONS[regionId]
	if not region then
		say(("the game reports region %s, which the companion does not know, so nothing was exported."):format(tostring(regionId)))
		return nil
	end
	canView = canView and true or false

	local members, skipped = {}, 0
	for i = 1, total or 0 do
		local name, rankName, rankIndex, level, className, _, note, officerNote, online, _, classFile,
			_, _, _, _, _, guid = GetGuildRosterInfo(i)
		local years, months, days, hours = GetGuildRosterLastOnline(i)
		if anySecret(name, rankName, rankIndex, level, className, note, officerNote, online, classFile, guid,
			years, months, days, hours) then
			refuseSecret()
			return nil
		end
		if type(name) == "string" and name ~= "" and type(guid) == "string" and guid ~= "" then
			-- Some clients give same-realm members without their realm: keys are always Name-Realm.
			if not name:find("-", 1, true) then
				name = name .. "-" .. realmNormalized
			end
			local member = {
				name = name,
				guid = guid,
				rankName = rankName,
				rankIndex = rankIndex,
				level = level,
				className = className,
				classFile = classFile,
				note = note or "",
				online = online and true or false,
			}
			if canView then
				member.officerNote = officerNote or ""
			end
			if not member.online and type(years) == "number" and type(months) == "number"
				and type(days) == "number" and type(hours) == "number" then
				member.lastOnline = { years = years, months = months, days = days, hours = hours }
			end
			members[#members + 1] = member
		else
			skipped = skipped + 1 -- the client had not loaded this member yet
		end
	end
	-- A partial roster would read as members leaving the guild: better no export than that.
	if skipped > 0 or #members == 0 then
		say(("the game has not loaded the whole guild roster yet (%d of %d members), so nothing was exported."
			.. " Type /pattsync again in a moment."):format(#members, total or 0))
		return nil
	end

	local guild = { name = guildName, realm = realm, realmNormalized = realmNormalized, region = region }
	if FACTIONS[faction] then
		guild.faction = faction
	end
	return {
		addonVersion = addonVersion(),
		exportedAt = time(),
		guild = guild,
		exporter = {
			name = playerName .. "-" .. realmNormalized,
			guid = playerGuid,
			rankIndex = myRankIndex,
			canReadOfficerNotes = canView,
		},
		members = members,
	}, myRankName
end

local function export()
	if not IsInGuild() then
		say("this character is no longer in a guild, so there is no roster to export.")
		return
	end
	local reason = restrictedReason()
	if reason then
		refuseRestricted(reason)
		return
	end
	local result, myRankName = buildExport()
	if not result then
		return
	end
	-- Replaced whole, only now: a refusal above leaves the previous export as it was.
	PATTSyncDB = { schemaVersion = SCHEMA_VERSION, lastExport = result, lastExportAt = result.exportedAt }
	exportedThisSession = true
	local notes
	if result.exporter.canReadOfficerNotes then
		notes = "officer notes included"
	else
		notes = "officer notes not readable by " .. tostring(myRankName or "your rank")
	end
	say(("exported %d members (%s). Type /reload to write the file for the companion."):format(#result.members, notes))
end

local frame = CreateFrame("Frame", "PATTSyncFrame")

local function requestExport(force)
	if not IsInGuild() then
		say("this character is not in a guild, so there is no roster to export.")
		return
	end
	local reason = restrictedReason()
	if reason then
		refuseRestricted(reason)
		return
	end
	local last = lastExportAt()
	if not force and last then
		local now = time()
		local wait = last + THROTTLE_SECONDS - now
		if wait > 0 then
			say(("the last export was %s ago; the next is allowed in %s (at %s). Type /pattsync force to export now anyway."):format(
				duration(now - last), duration(wait, true), date("%H:%M", last + THROTTLE_SECONDS)))
			return
		end
	end
	if pending then
		say("still waiting for the guild roster from the server.")
		return
	end
	lastToken = lastToken + 1
	local token = lastToken
	pending = { token = token, force = force }
	frame:RegisterEvent("GUILD_ROSTER_UPDATE")
	C_GuildInfo.GuildRoster()
	say("asking the server for the guild roster...")
	C_Timer.After(ROSTER_TIMEOUT_SECONDS, function()
		if pending and pending.token == token then
			pending = nil
			frame:UnregisterEvent("GUILD_ROSTER_UPDATE")
			say(("no guild roster arrived from the server within %d seconds, so nothing was exported."
				.. " The server answers one roster request every 10 seconds or so: type /pattsync again in a moment."):format(
				ROSTER_TIMEOUT_SECONDS))
		end
	end)
end

local function status()
	local db = type(PATTSyncDB) == "table" and PATTSyncDB or nil
	local last = db and type(db.lastExport) == "table" and db.lastExport or nil
	if not last then
		say("no export yet. Type /pattsync, then /reload so the game writes the file for the companion.")
	else
		local at = tonumber(last.exportedAt) or lastExportAt() or 0
		local count = type(last.members) == "table" and #last.members or 0
		local guildName = type(last.guild) == "table" and last.guild.name or "?"
		local notes = type(last.exporter) == "table" and last.exporter.canReadOfficerNotes
		say(("last export %s (%s ago): %d members of %s, officer notes %s."):format(
			date("%Y-%m-%d %H:%M", at), duration(time() - at), count, tostring(guildName),
			notes and "included" or "not included"))
		if exportedThisSession then
			say("it is written to disk when you /reload or log out.")
		end
		local wait = (lastExportAt() or at) + THROTTLE_SECONDS - time()
		if wait > 0 then
			say(("the next /pattsync is allowed in %s; /pattsync force skips the wait."):format(duration(wait, true)))
		else
			say("a new export is allowed now: type /pattsync.")
		end
	end
	if pending then
		say("waiting for the guild roster from the server.")
	end
end

frame:SetScript("OnEvent", function(self, event, ...)
	if event == "ADDON_LOADED" then
		if ... == ADDON_NAME then
			-- The game has just run PATTSync.lua from SavedVariables; anything but a table is not ours.
			if type(PATTSyncDB) ~= "table" then
				PATTSyncDB = nil
			end
			self:UnregisterEvent("ADDON_LOADED")
		end
	elseif event == "GUILD_ROSTER_UPDATE" then
		if pending then
			pending = nil
			self:UnregisterEvent("GUILD_ROSTER_UPDATE")
			export()
		end
	end
end)
frame:RegisterEvent("ADDON_LOADED")

SLASH_PATTSYNC1 = "/pattsync"
SlashCmdList.PATTSYNC = function(message)
	local command = (message or ""):match("^%s*(.-)%s*$"):lower()
	if command == "" then
		requestExport(false)
	elseif command == "force" then
		requestExport(true)
	elseif command == "status" then
		status()
	else
		say("/pattsync exports the guild roster (at most every 4 hours), /pattsync force exports now,"
			.. " /pattsync status shows the last export. After an export, type /reload so the game writes the file.")
	end
end

-- A small World of Warcraft client for running PATTSync under the stock Lua 5.1 interpreter.
--
-- Every function the addon may call is stubbed with the return shapes documented for retail 12.x
-- (Blizzard_APIDocumentationGenerated in Gethe/wow-ui-source, warcraft.wiki.gg), driven by a
-- scenario table (see addon/harness/runAddon.ts, AddonScenario):
--
--   GetGuildRosterInfo(i)        name, rankName, rankIndex, level, classDisplayName, zone,
--                                publicNote, officerNote, isOnline, status, class (token),
--                                achievementPoints, achievementRank, isMobile, canSoR,
--                                repStanding, guid; officerNote is "" without the right to view it;
--                                nothing before the roster has arrived
--   GetGuildRosterLastOnline(i)  years, months, days, hours
--   GetNumGuildMembers()         numTotal, numOnline, numOnlineAndMobile (0 before the roster arrived)
--   C_GuildInfo.GuildRoster()    asks the server; GUILD_ROSTER_UPDATE(canRequestRosterUpdate)
--                                fires later, and a request within ~10 s of the previous one
--                                gets no answer (the server's throttle)
--   C_GuildInfo.CanViewOfficerNote(), IsInGuild(), GetGuildInfo("player") → name, rankName,
--   rankIndex, realm; GetRealmName(), GetNormalizedRealmName(), GetCurrentRegion() (1 US, 2 KR,
--   3 EU, 4 TW, 5 CN), UnitName/UnitGUID/UnitFactionGroup("player"), IsInInstance() →
--   inInstance, instanceType; C_ChallengeMode.IsChallengeModeActive();
--   C_RestrictedActions.IsAddOnRestrictionActive(Enum.AddOnRestrictionType.*); issecretvalue(v);
--   C_AddOns.GetAddOnMetadata(addon, field); C_Timer.After; CreateFrame; SlashCmdList; print;
--   time(), date(), GetTime().
--
-- The addon runs in an environment of its own that holds only what the game gives an addon (no
-- io, os, require, dofile, loadfile): a call to anything else fails as it would in the game. Every
-- global the addon creates is recorded, so the runner can report leaks.
--
-- Secret values (WoW 12.0) are userdata that raise an error when compared, concatenated, indexed
-- or turned into a string; only issecretvalue may look at them, and the SavedVariables writer
-- refuses them, as the game cannot store them either.

local M = {}

local REGION_IDS = { US = 1, KR = 2, EU = 3, TW = 4, CN = 5 }
local RESTRICTION_TYPES = { Combat = 0, Encounter = 1, ChallengeMode = 2, PvPMatch = 3, Map = 4 }
local ROSTER_FIELDS = {
	"name", "rankName", "rankIndex", "level", "className", "zone", "note", "officerNote", "online",
	"status", "classFile", "achievementPoints", "achievementRank", "isMobile", "canSoR", "repStanding", "guid",
}
-- Events the stub knows; registering another is an error, as the game rejects unknown events.
local KNOWN_EVENTS = {
	ADDON_LOADED = true, PLAYER_LOGIN = true, PLAYER_ENTERING_WORLD = true, PLAYER_LOGOUT = true,
	GUILD_ROSTER_UPDATE = true, PLAYER_GUILD_UPDATE = true, GUILD_RANKS_UPDATE = true,
	ADDON_RESTRICTION_STATE_CHANGED = true, CHALLENGE_MODE_START = true, CHALLENGE_MODE_COMPLETED = true,
	ZONE_CHANGED_NEW_AREA = true, PLAYER_REGEN_DISABLED = true, PLAYER_REGEN_ENABLED = true,
	ENCOUNTER_START = true, ENCOUNTER_END = true, VARIABLES_LOADED = true,
}

-- ---------------------------------------------------------------------------------------------
-- The .toc file

--- { metadata = {Interface=…, Title=…, Version=…}, savedVariables = {names}, files = {paths} }
function M.readToc(path)
	local f = assert(io.open(path, "rb"))
	local text = f:read("*a")
	f:close()
	text = text:gsub("^\239\187\191", "") -- a UTF-8 BOM
	local toc = { metadata = {}, savedVariables = {}, files = {} }
	for line in (text .. "\n"):gmatch("([^\r\n]*)\r?\n") do
		local tag, value = line:match("^##%s*([^:]-)%s*:%s*(.-)%s*$")
		if tag then
			toc.metadata[tag] = value
			if tag == "SavedVariables" then
				for name in value:gmatch("[^,%s]+") do
					toc.savedVariables[#toc.savedVariables + 1] = name
				end
			end
		elseif not line:match("^%s*#") and line:match("%S") then
			toc.files[#toc.files + 1] = (line:match("^%s*(.-)%s*$"):gsub("\\", "/"))
		end
	end
	return toc
end

-- ---------------------------------------------------------------------------------------------
-- Secret values

local secrets = setmetatable({}, { __mode = "k" })

local function secretError()
	error("attempt to use a secret value (WoW 12.0: it cannot be compared, stored or read)", 2)
end

local function newSecret()
	local s = newproxy(true)
	local mt = getmetatable(s)
	for _, event in ipairs({ "__index", "__newindex", "__call", "__concat", "__eq", "__lt", "__le", "__len",
		"__unm", "__add", "__sub", "__mul", "__div", "__mod", "__pow", "__tostring" }) do
		mt[event] = secretError
	end
	secrets[s] = true
	return s
end

function M.issecretvalue(v)
	return secrets[v] == true
end

-- ---------------------------------------------------------------------------------------------
-- The game

local Game = {}
Game.__index = Game

local function contains(list, value)
	for _, v in ipairs(list or {}) do
		if v == value then return true end
	end
	return false
end

--- The environment an addon sees: Lua 5.1's base library as WoW keeps it, plus WoW's aliases.
local function baseEnvironment()
	local G = {}
	for _, name in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
		"rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type", "unpack", "xpcall",
		"loadstring", "collectgarbage", "gcinfo" }) do
		G[name] = _G[name]
	end
	G.math, G.string, G.table, G.coroutine = math, string, table, coroutine
	-- WoW's global aliases of the string, table and math libraries.
	G.strfind, G.strsub, G.strlower, G.strupper, G.strlen = string.find, string.sub, string.lower, string.upper, string.len
	G.strrep, G.strbyte, G.strchar, G.strmatch, G.gsub, G.gmatch, G.format = string.rep, string.byte, string.char,
		string.match, string.gsub, string.gmatch, string.format
	G.tinsert, G.tremove, G.tconcat, G.sort = table.insert, table.remove, table.concat, table.sort
	G.floor, G.ceil, G.abs, G.max, G.min, G.sqrt, G.random = math.floor, math.ceil, math.abs, math.max, math.min,
		math.sqrt, math.random
	G.strtrim = function(s, chars)
		chars = chars and ("[" .. chars:gsub("[%]%%%^%-]", "%%%0") .. "]") or "%s"
		return (s:gsub("^" .. chars .. "+", ""):gsub(chars .. "+$", ""))
	end
	G.strsplit = function(sep, s, limit)
		local parts, start = {}, 1
		while true do
			if limit and #parts == limit - 1 then break end
			local i, j = s:find(sep, start, true)
			if not i then break end
			parts[#parts + 1] = s:sub(start, i - 1)
			start = j + 1
		end
		parts[#parts + 1] = s:sub(start)
		return unpack(parts)
	end
	G.strjoin = function(sep, ...) return table.concat({ ... }, sep) end
	G.wipe = function(t) for k in pairs(t) do t[k] = nil end return t end
	G._G = G
	return G
end

function M.new(scenario, toc, addonName)
	local game = setmetatable({
		scenario = scenario,
		toc = toc,
		addonName = addonName or "PATTSync",
		chat = {},
		errors = {},
		frames = {},
		frameNames = {},
		assigned = {},
		queue = {},
		seq = 0,
		elapsed = 0,
		rosterLoaded = false,
		rosterRequests = 0,
		rosterAnswers = 0,
	}, Game)
	game.G = game:buildEnvironment()
	for _, at in ipairs(scenario.unrequestedRosterUpdatesAt or {}) do
		game:schedule(at, function()
			game.rosterLoaded = true
			game:fire("GUILD_ROSTER_UPDATE", false)
		end)
	end
	return game
end

function Game:now()
	return math.floor(self.scenario.now + self.elapsed)
end

function Game:say(line)
	self.chat[#self.chat + 1] = line
end

--- Runs addon code (an event handler, a slash command, a timer) as the game does: an error is
--- reported and the game goes on.
function Game:protect(what, fn, ...)
	local args, n = { ... }, select("#", ...)
	local ok, err = xpcall(function() return fn(unpack(args, 1, n)) end, debug.traceback)
	if not ok then
		self.errors[#self.errors + 1] = what .. ": " .. tostring(err)
	end
end

function Game:schedule(delay, fn)
	self.seq = self.seq + 1
	self.queue[#self.queue + 1] = { at = self.elapsed + math.max(0, delay), seq = self.seq, fn = fn }
end

--- Lets `seconds` of game time pass, running timers and server answers in time order.
function Game:advance(seconds)
	local target = self.elapsed + (seconds or 0)
	while true do
		local best, bestIndex
		for i, item in ipairs(self.queue) do
			if item.at <= target and (not best or item.at < best.at or (item.at == best.at and item.seq < best.seq)) then
				best, bestIndex = item, i
			end
		end
		if not best then break end
		table.remove(self.queue, bestIndex)
		self.elapsed = math.max(self.elapsed, best.at)
		best.fn()
	end
	self.elapsed = target
end

function Game:fire(event, ...)
	for _, frame in ipairs(self.frames) do
		if frame._events[event] and frame._scripts.OnEvent then
			self:protect(event, frame._scripts.OnEvent, frame, event, ...)
		end
	end
end

--- Types a line into the chat box: a slash command goes to its SlashCmdList handler.
function Game:type(text)
	local command, rest = text:match("^(/%S+)%s*(.-)$")
	if not command then
		self:say("[Say] " .. text)
		return
	end
	local G = self.G
	local lower = command:lower()
	for key, handler in pairs(rawget(G, "SlashCmdList") or {}) do
		local i = 1
		while true do
			local alias = rawget(G, "SLASH_" .. key .. i)
			if alias == nil then break end
			if type(alias) == "string" and alias:lower() == lower then
				self:protect(text, handler, rest, nil)
				return
			end
			i = i + 1
		end
	end
	self:say('Type "/help" for a listing of a few commands.')
end

--- Runs one of the addon's files with `...` = addon name, addon table, as the game does.
function Game:loadAddonFile(path, addonTable)
	local chunk, err = loadfile(path)
	if not chunk then error("cannot load " .. path .. ": " .. tostring(err), 0) end
	setfenv(chunk, self.G)
	self:protect(path, chunk, self.addonName, addonTable or {})
end

--- Runs a SavedVariables file (data only) and hands the addon its declared globals, before
--- ADDON_LOADED, as the game does at login. A missing file means a first login.
function Game:loadSavedVariables(path)
	local f = io.open(path, "rb")
	if not f then return false end
	local text = f:read("*a")
	f:close()
	local chunk, err = loadstring(text, "@" .. path)
	if not chunk then error("cannot read the SavedVariables file " .. path .. ": " .. tostring(err), 0) end
	local env = {}
	setfenv(chunk, env)
	chunk()
	for _, name in ipairs(self.toc.savedVariables) do
		rawset(self.G, name, env[name])
	end
	return true
end

--- Globals the addon created that are neither its SavedVariables, its slash commands nor named frames.
function Game:leakedGlobals()
	local leaks = {}
	for name in pairs(self.assigned) do
		if not contains(self.toc.savedVariables, name) and not self.frameNames[name]
			and not (type(name) == "string" and name:match("^SLASH_")) then
			leaks[#leaks + 1] = tostring(name)
		end
	end
	table.sort(leaks)
	return leaks
end

-- ---------------------------------------------------------------------------------------------
-- The API

local function secretIf(entry, field, value)
	if entry.secretAll or contains(entry.secret, field) then
		return newSecret()
	end
	return value
end

function Game:buildEnvironment()
	local game, s = self, self.scenario
	local G = baseEnvironment()

	local function print(...)
		local parts = {}
		for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
		game:say(table.concat(parts, " "))
	end
	G.print = print
	G.DEFAULT_CHAT_FRAME = { AddMessage = function(_, text) game:say(tostring(text)) end }
	G.SlashCmdList = {}

	-- Time: time() is the wall clock in whole seconds, GetTime() the client's uptime.
	G.time = function(t)
		if t ~= nil then return os.time(t) end
		return game:now()
	end
	G.date = function(format, t) return os.date(format, t or game:now()) end
	G.difftime = os.difftime
	G.GetTime = function() return 1000 + game.elapsed end
	G.C_Timer = {
		After = function(seconds, callback)
			assert(type(seconds) == "number" and type(callback) == "function", "Usage: C_Timer.After(seconds, callback)")
			game:schedule(seconds, function() game:protect("C_Timer.After callback", callback) end)
		end,
		NewTimer = function(seconds, callback)
			local timer = { cancelled = false }
			function timer:Cancel() self.cancelled = true end
			function timer:IsCancelled() return self.cancelled end
			game:schedule(seconds, function()
				if not timer.cancelled then game:protect("C_Timer.NewTimer callback", callback, timer) end
			end)
			return timer
		end,
	}

	-- Frames and events.
	G.CreateFrame = function(frameType, name)
		local frame = { _events = {}, _scripts = {}, _type = frameType, _name = name, _shown = true }
		function frame:RegisterEvent(event)
			if not KNOWN_EVENTS[event] then error(("Attempt to register unknown event %q"):format(tostring(event)), 2) end
			self._events[event] = true
		end
		function frame:UnregisterEvent(event) self._events[event] = nil end
		function frame:UnregisterAllEvents() self._events = {} end
		function frame:IsEventRegistered(event) return self._events[event] == true end
		function frame:SetScript(script, fn) self._scripts[script] = fn end
		function frame:GetScript(script) return self._scripts[script] end
		function frame:HookScript(script, fn)
			local old = self._scripts[script]
			self._scripts[script] = old and function(...) old(...) fn(...) end or fn
		end
		function frame:Show() self._shown = true end
		function frame:Hide() self._shown = false end
		function frame:IsShown() return self._shown end
		function frame:GetName() return self._name end
		game.frames[#game.frames + 1] = frame
		if name then
			game.frameNames[name] = true
			rawset(G, name, frame)
		end
		return frame
	end

	-- The player, the realm, the region.
	G.UnitName = function(unit)
		if unit == "player" then return s.player.name, nil end
		return nil
	end
	G.UnitGUID = function(unit)
		if unit == "player" then return s.player.guid end
		return nil
	end
	G.UnitFactionGroup = function(unit)
		if unit == "player" and s.faction then return s.faction, s.faction end
		return nil
	end
	G.GetRealmName = function() return s.realm end
	G.GetNormalizedRealmName = function() return s.realmNormalized end
	G.GetCurrentRegion = function() return REGION_IDS[s.region] or 1 end
	G.GetCurrentRegionName = function() return s.region or "US" end

	-- Where the player is, and what the game restricts there.
	local function instanceType()
		if s.instanceType then return s.instanceType end
		if s.inRaid then return "raid" end
		if s.mythicPlus then return "party" end
		return "none"
	end
	G.IsInInstance = function()
		local kind = instanceType()
		return kind ~= "none", kind
	end
	G.C_ChallengeMode = { IsChallengeModeActive = function() return s.mythicPlus == true end }
	local function restrictionActive(id)
		for name, value in pairs(RESTRICTION_TYPES) do
			if value == id then
				return contains(s.restrictions, name) or (name == "ChallengeMode" and s.mythicPlus == true)
			end
		end
		error("C_RestrictedActions.IsAddOnRestrictionActive: unknown AddOnRestrictionType " .. tostring(id), 2)
	end
	G.Enum = {
		AddOnRestrictionType = RESTRICTION_TYPES,
		AddOnRestrictionState = { Inactive = 0, Activating = 1, Active = 2 },
	}
	G.C_RestrictedActions = {
		IsAddOnRestrictionActive = restrictionActive,
		GetAddOnRestrictionState = function(id) return restrictionActive(id) and 2 or 0 end,
	}
	G.InCombatLockdown = function() return contains(s.restrictions, "Combat") end
	if s.secretApi ~= false then
		G.issecretvalue = M.issecretvalue
	end

	-- Addon metadata from the .toc.
	G.C_AddOns = {
		GetAddOnMetadata = function(addon, field)
			if addon ~= game.addonName then return nil end
			for tag, value in pairs(game.toc.metadata) do
				if tag:lower() == tostring(field):lower() then return value end
			end
			return nil
		end,
	}

	-- The guild.
	local roster = s.roster or {}
	local function inGuild() return s.guild ~= nil end
	G.IsInGuild = inGuild
	G.GetGuildInfo = function(unit)
		if unit ~= "player" or not inGuild() then return nil end
		return s.guild.name, s.guild.rankName, s.guild.rankIndex, nil
	end
	G.C_GuildInfo = {
		CanViewOfficerNote = function() return inGuild() and s.canViewOfficerNote == true end,
		GuildRoster = function()
			game.rosterRequests = game.rosterRequests + 1
			if not inGuild() or s.rosterUpdate == "never" then return end
			local throttle = s.rosterThrottleSeconds or 10
			if game.lastRosterRequestAt and game.elapsed - game.lastRosterRequestAt < throttle then
				return -- the server ignores a request this soon after the last one
			end
			game.lastRosterRequestAt = game.elapsed
			local delay = type(s.rosterUpdate) == "table" and s.rosterUpdate.afterSeconds or 1
			game:schedule(delay, function()
				game.rosterLoaded = true
				game.rosterAnswers = game.rosterAnswers + 1
				game:fire("GUILD_ROSTER_UPDATE", false)
			end)
		end,
	}
	local function loadedEntry(index)
		if not inGuild() or not game.rosterLoaded or type(index) ~= "number" then return nil end
		local entry = roster[index]
		if entry and s.secretRoster then entry.secretAll = true end
		return entry
	end
	G.GetNumGuildMembers = function()
		if not inGuild() or not game.rosterLoaded then return 0, 0, 0 end
		local online = 0
		for _, entry in ipairs(roster) do
			if entry.online then online = online + 1 end
		end
		return #roster, online, online
	end
	G.GetGuildRosterInfo = function(index)
		local entry = loadedEntry(index)
		if not entry then return nil end
		local values = {
			name = entry.name,
			rankName = entry.rankName,
			rankIndex = entry.rankIndex,
			level = entry.level,
			className = entry.className,
			zone = entry.zone or "",
			note = entry.note or "",
			officerNote = s.canViewOfficerNote and (entry.officerNote or "") or "",
			online = entry.online == true,
			status = entry.status or 0,
			classFile = entry.classFile,
			achievementPoints = entry.achievementPoints or 0,
			achievementRank = entry.achievementRank or 0,
			isMobile = entry.isMobile == true,
			canSoR = entry.canSoR == true,
			repStanding = entry.repStanding or 4,
			guid = entry.guid,
		}
		local out = {}
		for i, field in ipairs(ROSTER_FIELDS) do
			out[i] = secretIf(entry, field, values[field])
		end
		return unpack(out, 1, #ROSTER_FIELDS)
	end
	G.GetGuildRosterLastOnline = function(index)
		local entry = loadedEntry(index)
		if not entry or entry.online or not entry.lastOnline then return nil end
		local lo = entry.lastOnline
		return secretIf(entry, "lastOnline", lo.years or 0), secretIf(entry, "lastOnline", lo.months or 0),
			secretIf(entry, "lastOnline", lo.days or 0), secretIf(entry, "lastOnline", lo.hours or 0)
	end

	-- Record every global the addon creates.
	setmetatable(G, {
		__newindex = function(t, k, v)
			game.assigned[k] = true
			rawset(t, k, v)
		end,
	})
	return G
end

return M

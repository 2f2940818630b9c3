-- Runs PATTSync through one game session and writes its SavedVariables file as the game would.
--
--   lua5.1 addon/harness/run.lua <scenario.lua> <out/PATTSync.lua>
--
-- <scenario.lua> returns a table (see AddonScenario in runAddon.ts). The session:
--   1. the stubs (wow.lua) are set up from the scenario, the clock at scenario.now;
--   2. the files listed in PATTSync.toc run in order (… = "PATTSync", addon table);
--   3. <out/PATTSync.lua> runs if it exists (the SavedVariables of the previous session), and its
--      declared globals are handed to the addon; ADDON_LOADED, PLAYER_LOGIN and
--      PLAYER_ENTERING_WORLD fire;
--   4. each command is typed after its wait (afterSeconds), game time passing with timers and
--      server answers in order; then settleSeconds (default 60) more pass;
--   5. /reload: PLAYER_LOGOUT fires and <out/PATTSync.lua> is written like the game writes it.
-- The chat lines go to stdout, one per line; problems go to stderr.
-- Exit codes: 0 fine; 1 bad arguments or scenario; 2 a Lua error in the addon, or a value the game
-- could not save; 3 the addon created globals other than its SavedVariables, frame and slash command.

local scriptDir = (arg and arg[0] or ""):match("^(.*)[/\\][^/\\]*$") or "."
local wow = dofile(scriptDir .. "/wow.lua")
local serialize = dofile(scriptDir .. "/serialize.lua")

local function fail(code, message)
	io.stderr:write(message, "\n")
	os.exit(code)
end

local scenarioPath, outPath = arg[1], arg[2]
if not scenarioPath or not outPath then
	fail(1, "usage: lua5.1 addon/harness/run.lua <scenario.lua> <out/PATTSync.lua>")
end

local okScenario, scenario = pcall(dofile, scenarioPath)
if not okScenario or type(scenario) ~= "table" then
	fail(1, "the scenario " .. scenarioPath .. " must be a Lua file that returns a table: " .. tostring(scenario))
end
if type(scenario.now) ~= "number" or type(scenario.player) ~= "table" then
	fail(1, "the scenario needs now (epoch seconds) and player {name, guid}")
end

local addonDir = os.getenv("PATTSYNC_ADDON_DIR") or (scriptDir .. "/../PATTSync")
local addonName = addonDir:match("([^/\\]+)[/\\]*$")
local toc = wow.readToc(addonDir .. "/" .. addonName .. ".toc")
local game = wow.new(scenario, toc, addonName)

-- Login.
local addonTable = {}
for _, file in ipairs(toc.files) do
	game:loadAddonFile(addonDir .. "/" .. file, addonTable)
end
local okSaved, savedError = pcall(game.loadSavedVariables, game, outPath)
if not okSaved then
	fail(1, tostring(savedError))
end
game:fire("ADDON_LOADED", addonName)
game:fire("PLAYER_LOGIN")
game:fire("PLAYER_ENTERING_WORLD", true, false)

-- Play.
for i, command in ipairs(scenario.commands or {}) do
	if type(command) == "string" then
		command = { text = command }
	end
	if type(command) ~= "table" or type(command.text) ~= "string" then
		fail(1, "commands[" .. i .. "] must be a string or { text = ..., afterSeconds = ... }")
	end
	game:advance(command.afterSeconds or 0)
	game:type(command.text)
end
game:advance(scenario.settleSeconds or 60)

-- /reload: the game fires PLAYER_LOGOUT, then writes every declared SavedVariable.
game:fire("PLAYER_LOGOUT")
local okText, text = pcall(serialize.savedVariables, toc.savedVariables, game.G)
local exitCode = 0
if okText then
	local f, err = io.open(outPath, "wb")
	if not f then
		fail(1, "cannot write " .. outPath .. ": " .. tostring(err))
	end
	f:write(text)
	f:close()
else
	game.errors[#game.errors + 1] = "saving variables: " .. tostring(text)
end

for _, line in ipairs(game.chat) do
	io.stdout:write(line, "\n")
end
for _, err in ipairs(game.errors) do
	io.stderr:write("Lua error in ", err, "\n")
	exitCode = 2
end
local leaks = game:leakedGlobals()
if #leaks > 0 then
	io.stderr:write("the addon created globals of its own: ", table.concat(leaks, ", "), "\n")
	if exitCode == 0 then exitCode = 3 end
end
io.stdout:flush()
os.exit(exitCode)

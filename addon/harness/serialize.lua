-- Writes SavedVariables the way the WoW client does when it saves them (logout, /reload).
--
-- What real client-written files show (WTF/Account/<ACCOUNT>/SavedVariables/*.lua kept in public
-- repositories, e.g. WeakAuras.lua, ZygorGuidesViewer, Blizzard_Console.lua):
--   * the file starts with a blank line, then one `NAME = value` per saved global, in .toc order;
--     a global that is nil is written `NAME = nil`;
--   * tables open with `{` and close with `}` on a line of their own, indented with TABs, one TAB
--     per level; an empty table is `{` newline `}`;
--   * the list part (1..n without holes) comes first, each item `value, -- [i]`; every other key is
--     `[key] = value,` with string keys quoted (`["name"]`) and number keys bare (`[82]`);
--   * keyed entries are NOT sorted: they come out in the order the client's Lua table traversal
--     (next) visits them, e.g. `["gain"], ["endmoney"], ["startmoney"], ["loss"]` or
--     `[-4], [-5], [82], ["translation"], [-3]`. WoW runs Lua 5.1, so traversing with next() here
--     under lua5.1 gives the same kind of order for a table built the same way;
--   * strings are in double quotes; `\` is written `\\`, `"` is `\"` and a newline is `\n`
--     (backslash + n, not a backslash before a real line break); every other byte, UTF-8 included,
--     is written raw (`|cFF…|r` colour codes, `|H…|h` links stay as they are);
--   * integers are written without decimals; other numbers with 15 significant digits
--     (0.699999988079071, 291.322981922309).
-- Functions, userdata (WoW 12.0 secret values included) and threads cannot be saved: the client
-- drops them; this writer refuses them with the path, so a test notices an addon that tried.

local M = {}

local ESCAPES = { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n", ["\r"] = "\\r", ["\0"] = "\\000" }

function M.quote(s)
	return '"' .. s:gsub('[\\"\n\r%z]', ESCAPES) .. '"'
end

local function formatNumber(n, path)
	if n ~= n or n == math.huge or n == -math.huge then
		error(("cannot save the number %s at %s"):format(tostring(n), path), 0)
	end
	if n == math.floor(n) and math.abs(n) < 2 ^ 53 then
		return ("%d"):format(n)
	end
	return ("%.15g"):format(n)
end

local function formatKey(k, path)
	local t = type(k)
	if t == "string" then return "[" .. M.quote(k) .. "]" end
	if t == "number" then return "[" .. formatNumber(k, path) .. "]" end
	if t == "boolean" then return "[" .. tostring(k) .. "]" end
	error(("cannot save a %s key at %s"):format(t, path), 0)
end

local function keyPath(path, k)
	if type(k) == "string" and k:match("^[%a_][%w_]*$") then return path .. "." .. k end
	return path .. "[" .. tostring(k) .. "]"
end

local writeValue

local function writeTable(out, t, depth, path, seen)
	if seen[t] then error(("cannot save a table that contains itself at %s"):format(path), 0) end
	seen[t] = true
	out[#out + 1] = "{\n"
	local inner = ("\t"):rep(depth + 1)
	local n = 0
	while rawget(t, n + 1) ~= nil do
		n = n + 1
		out[#out + 1] = inner
		writeValue(out, rawget(t, n), depth + 1, path .. "[" .. n .. "]", seen)
		out[#out + 1] = ", -- [" .. n .. "]\n"
	end
	for k, v in next, t do
		local inList = type(k) == "number" and k >= 1 and k <= n and k == math.floor(k)
		if not inList then
			local p = keyPath(path, k)
			out[#out + 1] = inner .. formatKey(k, p) .. " = "
			writeValue(out, v, depth + 1, p, seen)
			out[#out + 1] = ",\n"
		end
	end
	out[#out + 1] = ("\t"):rep(depth) .. "}"
	seen[t] = nil
end

function writeValue(out, v, depth, path, seen)
	local t = type(v)
	if t == "string" then
		out[#out + 1] = M.quote(v)
	elseif t == "number" then
		out[#out + 1] = formatNumber(v, path)
	elseif t == "boolean" or t == "nil" then
		out[#out + 1] = tostring(v)
	elseif t == "table" then
		writeTable(out, v, depth, path, seen)
	else
		error(("cannot save a %s at %s (a WoW 12.0 secret value is a userdata)"):format(t, path), 0)
	end
end

--- The text of one value, as the client writes it after `NAME = ` (depth 0).
function M.value(v, path)
	local out = {}
	writeValue(out, v, 0, path or "value", {})
	return table.concat(out)
end

--- The whole file for the globals `names` (in .toc order), read from the table `globals`.
function M.savedVariables(names, globals)
	local out = { "\n" }
	for _, name in ipairs(names) do
		out[#out + 1] = name .. " = " .. M.value(rawget(globals, name), name) .. "\n"
	end
	return table.concat(out)
end

return M

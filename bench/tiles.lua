-- wrk -s bench/tiles.lua URL -- PATHS_FILE: GET each tile path of the file in turn, as a browser asks
-- (Accept-Encoding: gzip). Each wrk thread walks the list from its own start.
local paths = {}
local i = 0
function init(args)
    for line in io.lines(args[1]) do
        paths[#paths + 1] = line
    end
    i = math.random(#paths) - 1
end
function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end

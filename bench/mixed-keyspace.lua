-- The mixed keyspace of bench/speed.sh and bench/probe-cost.mjs: keys ARGV[3]..ARGV[4] of type ARGV[1]
-- under prefix ARGV[2], element counts and sizes spread so that a sample has a spread to cope with.
local t, p, from, to = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for i = from, to do
  local k = p .. ":" .. i
  if t == "string" then redis.call("SET", k, string.rep("x", 20 + (i * 7919) % 300))
  elseif t == "hash" then for f = 1, i % 13 + 1 do redis.call("HSET", k, "field" .. f, string.rep("v", f * 3)) end
  elseif t == "list" then for f = 1, i % 11 + 1 do redis.call("RPUSH", k, "item-" .. f * i) end
  elseif t == "set" then for f = 1, i % 9 + 1 do redis.call("SADD", k, "member-" .. f) end
  elseif t == "zset" then for f = 1, i % 7 + 1 do redis.call("ZADD", k, f, "player-" .. f) end
  else for f = 1, i % 3 + 1 do redis.call("XADD", k, "*", "event", "e" .. f) end end
end
return 1

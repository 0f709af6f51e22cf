import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis adapter: every step that reads and then writes, or touches several
 * keys, runs as one script so it is atomic across all instances. Times always come from the caller
 * (`now` in ARGV), never from Redis TIME, so tests drive expiry with a manual clock; PX TTLs are only
 * garbage collection and are set generously.
 *
 * Versioned documents are stored as the string `{"version":N,"v":<json>}`. Scripts never decode
 * the document (Redis' cjson would turn `[]` into `{}`): they read the version with a pattern and
 * splice the caller's JSON in verbatim.
 */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const VERSION_OF = `
local function version_of(doc)
  if not doc then return 0 end
  return tonumber(string.match(doc, '^{"version":(%d+),'))
end
`;

/** KEYS: claim. ARGV: now, expiresAt, pxTtl. Returns 1 if claimed. */
export const CLAIM = script(`
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

/** KEYS: claim. ARGV: expiresAt, pxTtl. Moves the expiry to expiresAt unless it is already later. */
export const EXTEND_CLAIM = script(`
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** KEYS: lease. ARGV: holder, now, expiresAt, pxTtl. Returns 1 if taken. */
export const ACQUIRE_LEASE = script(`
local current = redis.call('HMGET', KEYS[1], 'holder', 'expiresAt')
if current[1] and current[1] ~= ARGV[1] and tonumber(current[2]) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'expiresAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`);

/** KEYS: lease. ARGV: holder. */
export const RELEASE_LEASE = script(`
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);

/** KEYS: collection hash. ARGV: key, expectedVersion ('' = must be absent), json. Returns {1, version} or {0, current}. */
export const PUT_DOC = script(`${VERSION_OF}
local current = redis.call('HGET', KEYS[1], ARGV[1])
local version = version_of(current)
if ARGV[2] == '' then
  if current then return {0, current} end
elseif (not current) or version ~= tonumber(ARGV[2]) then
  return {0, current}
end
version = version + 1
redis.call('HSET', KEYS[1], ARGV[1], '{"version":' .. version .. ',"v":' .. ARGV[3] .. '}')
return {1, version}
`);

/** KEYS: collection hash. ARGV: key, expectedVersion ('' = any). Returns 1 if deleted. */
export const DELETE_DOC = script(`${VERSION_OF}
if ARGV[2] == '' then return redis.call('HDEL', KEYS[1], ARGV[1]) end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and version_of(current) == tonumber(ARGV[2]) then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`);

/**
 * KEYS: snapshots hash, ledgers hash, history from, history to.
 * ARGV: fromKey, toKey, the ledger document the caller read ('' = none), the new ledger JSON.
 * Returns 0 when the ledger changed since the caller read it (the caller re-reads and retries).
 */
export const MOVE_TASK = script(`${VERSION_OF}
local ledger = redis.call('HGET', KEYS[2], ARGV[1])
if (ledger or '') ~= ARGV[3] then return 0 end
if ledger then
  local version = version_of(redis.call('HGET', KEYS[2], ARGV[2])) + 1
  redis.call('HSET', KEYS[2], ARGV[2], '{"version":' .. version .. ',"v":' .. ARGV[4] .. '}')
  redis.call('HDEL', KEYS[2], ARGV[1])
end
local snapshot = redis.call('HGET', KEYS[1], ARGV[1])
if snapshot then
  if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then
    local value = string.match(snapshot, '^{"version":%d+,"v":(.*)}$')
    redis.call('HSET', KEYS[1], ARGV[2], '{"version":1,"v":' .. value .. '}')
  end
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local items = redis.call('LRANGE', KEYS[3], 0, -1)
for i = 1, #items, 1000 do
  redis.call('RPUSH', KEYS[4], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('DEL', KEYS[3])
return 1
`);

/**
 * KEYS: claim, history list, snapshots hash, forwards hash.
 * ARGV: now, claimExpiresAt, claimPxTtl, history entry JSON, history cap, resource key, patch JSON ('' = none).
 * Returns {0} for a duplicate, else {1, snapshot document or nil, forward document or nil, written version or 0}.
 *
 * The snapshot step mirrors mergeCallbackSnapshot (lib/store/merge-callback-snapshot.ts) line by
 * line; the contract suite runs the same cases on both adapters. It is the one script that decodes
 * a document: cjson would encode an empty array as {}, so empty arrays are written through a
 * placeholder string replaced by [] after encoding. Numbers keep cjson's 14 significant digits (epoch
 * ms have 13).
 */
export const ACCEPT_CALLBACK = script(`${VERSION_OF}
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) > tonumber(ARGV[1]) then return {0} end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
if ARGV[8] ~= '' and redis.call('HSETNX', KEYS[5], ARGV[10], ARGV[8]) == 1 then
  redis.call('ZADD', KEYS[6], ARGV[9], ARGV[10])
end
local raw = redis.call('HGET', KEYS[3], ARGV[6])
local forward = redis.call('HGET', KEYS[4], ARGV[6])
if ARGV[7] == '' then return {1, raw, forward, 0} end
local patch = cjson.decode(ARGV[7])
local previous = nil
if raw then previous = cjson.decode(string.match(raw, '^{"version":%d+,"v":(.*)}$')) end
if previous then
  local stored = previous.observedAt
  if not (patch.observedAt > stored or stored > patch.futureAfter) then return {1, raw, forward, 0} end
  if previous.resource.kind ~= 'relay' then return {1, raw, forward, 0} end
end
local changed = (not previous) or previous.resource.state ~= patch.set.state
local resource = patch.base
if previous then resource = previous.resource end
for _, field in ipairs(patch.drop) do resource[field] = nil end
for field, value in pairs(patch.set) do resource[field] = value end
local EMPTY = '__lw_empty_array_5f1c__'
local function keep_array(value)
  if type(value) == 'table' and next(value) == nil then return EMPTY end
  return value
end
resource.sourceUrls = keep_array(resource.sourceUrls)
local doc = { resource = resource, observedAt = patch.observedAt, stateSince = patch.observedAt }
if not changed then
  doc.stateSince = previous.stateSince
  if previous.reportedStuck then doc.reportedStuck = keep_array(previous.reportedStuck) end
end
-- Only as a field's value (after a colon), never inside an array of strings.
local json = string.gsub(cjson.encode(doc), ':"' .. EMPTY .. '"', ':[]')
local version = version_of(raw) + 1
redis.call('HSET', KEYS[3], ARGV[6], '{"version":' .. version .. ',"v":' .. json .. '}')
return {1, raw, forward, version}
`);

/**
 * KEYS: snapshots hash, the pass's seen set. ARGV: HSCAN cursor, MATCH pattern, COUNT.
 * Returns {next cursor, field, document, field, document, …} for the scanned fields NOT in the set:
 * one HSCAN step, filtered where the data is, so only candidates travel.
 */
export const LIST_UNSEEN = script(`
local scanned = redis.call('HSCAN', KEYS[1], ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local out = { scanned[1] }
local flat = scanned[2]
for i = 1, #flat, 2 do
  if redis.call('SISMEMBER', KEYS[2], flat[i]) == 0 then
    out[#out + 1] = flat[i]
    out[#out + 1] = flat[i + 1]
  end
end
return out
`);

/** KEYS: history list. ARGV: entry JSON, cap. */
export const APPEND_HISTORY = script(`
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return 1
`);

/**
 * KEYS: rate log zset. ARGV: now, windowStart (now − window), limit, member, pruneBefore, pxTtl, windowMs.
 * Returns 0 when granted, else the ms to wait.
 */
export const ACQUIRE_RATE = script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[5])
local count = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[2], '+inf')
local limit = tonumber(ARGV[3])
if count < limit then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  return 0
end
local blocking = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
return math.max(1, tonumber(blocking[2]) + tonumber(ARGV[7]) - tonumber(ARGV[1]))
`);

/**
 * KEYS: rate log zset. ARGV: recordedAt, arrivedBy (earlier). Moves one member scored recordedAt to
 * arrivedBy (members differ only by a random suffix, so any one of equal score will do).
 */
export const SETTLE_RATE = script(`
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if found[1] then redis.call('ZADD', KEYS[1], 'XX', ARGV[2], found[1]) end
return 0
`);

/** KEYS: message hash, due zset. ARGV: id, channel, payload, dueAt, createdAt. Returns 1 if added. */
export const ENQUEUE_OUTBOX = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'channel', ARGV[2], 'payload', ARGV[3], 'dueAt', ARGV[4],
  'createdAt', ARGV[5], 'attempts', 0, 'status', 'pending')
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`);

/**
 * KEYS: due zset, in-flight zset. ARGV: now, limit, leaseUntil, message key prefix.
 * In-flight messages whose lease ran out go back to the due set first (a sender crashed mid-send).
 */
export const TAKE_DUE_OUTBOX = script(`
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(expired) do
  local due = redis.call('HGET', ARGV[4] .. id, 'dueAt')
  if due then redis.call('ZADD', KEYS[1], due, id) end
  redis.call('ZREM', KEYS[2], id)
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  -- An index entry without its message (deleted by hand) is dropped rather than poisoning every take.
  if redis.call('EXISTS', ARGV[4] .. id) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    out[#out + 1] = redis.call('HMGET', ARGV[4] .. id, 'id', 'channel', 'payload', 'dueAt', 'createdAt', 'attempts', 'lastError')
  end
end
return out
`);

/** KEYS: message hash, due, in-flight, sent zset. ARGV: id, now, pruneBefore, message key prefix. */
export const MARK_OUTBOX_SENT = script(`
if redis.call('HGET', KEYS[1], 'status') == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'sent', 'sentAt', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
end
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[3], 'LIMIT', 0, 1000)
for _, id in ipairs(old) do redis.call('DEL', ARGV[4] .. id) end
if #old > 0 then redis.call('ZREM', KEYS[4], unpack(old)) end
return 1
`);

/** KEYS: message hash, due, in-flight. ARGV: id, retryAt, error, attempts to add (0 or 1). */
export const MARK_OUTBOX_FAILED = script(`
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'lastError', ARGV[3], 'dueAt', ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`);

/** KEYS: message hash, due, in-flight, dead set. ARGV: id, error. */
export const MARK_OUTBOX_DEAD = script(`
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'status', 'dead', 'lastError', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
return 1
`);

/** KEYS: due, in-flight, sent, dead. ARGV: message key prefix. Returns {pending, sent, dead, oldestDueAt|nil}. */
export const OUTBOX_STATS = script(`
local pending = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
local oldest = false
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] then oldest = first[2] end
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local due = redis.call('HGET', ARGV[1] .. id, 'dueAt')
  if due and ((not oldest) or tonumber(due) < tonumber(oldest)) then oldest = due end
end
return {pending, redis.call('ZCARD', KEYS[3]), redis.call('SCARD', KEYS[4]), oldest}
`);

/** KEYS: inbox entries hash, inbox due zset. ARGV: (key, entry JSON, dueAt) triples. An existing key is left alone. */
export const ADD_TO_INBOX = script(`
for i = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
  end
end
return 1
`);

/**
 * KEYS: inbox entries hash, due zset, attempts hash. ARGV: now, limit, next due.
 * Returns {key, entry JSON, attempts} per due entry; a due key without an entry is dropped.
 */
export const TAKE_DUE_INBOX = script(`
local keys = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, key in ipairs(keys) do
  local raw = redis.call('HGET', KEYS[1], key)
  if raw then
    redis.call('ZADD', KEYS[2], ARGV[3], key)
    table.insert(out, {key, raw, redis.call('HINCRBY', KEYS[3], key, 1)})
  else
    redis.call('ZREM', KEYS[2], key)
    redis.call('HDEL', KEYS[3], key)
  end
end
return out
`);

/** KEYS: inbox entries hash, due zset, attempts hash. ARGV: keys. */
export const REMOVE_FROM_INBOX = script(`
for _, key in ipairs(ARGV) do
  redis.call('HDEL', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
end
return 1
`);

/** KEYS: inbox due zset. Returns {pending, earliest due or false}. */
export const INBOX_STATS = script(`
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {redis.call('ZCARD', KEYS[1]), first[2] or false}
`);

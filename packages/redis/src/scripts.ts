import { createHash } from 'node:crypto';

/**
 * The Lua scripts the store runs. Each one touches exactly one key (KEYS[1]), so it runs on Redis
 * Cluster, where a script may not reach keys in different slots.
 *
 * A record is a hash: `d` the data, `e` its expiry (epoch ms, as core wrote it), `v` the version
 * counter, `u` the user id (absent when none). The key itself expires natively (PEXPIREAT).
 */

/**
 * Writes a record. ARGV: mode (`create` | `set` | `cas`), expected version (cas only), data, expiresAt,
 * PEXPIREAT time, user id, whether there is a user (`1`/`0`).
 * Returns `false` (nil) when the mode refuses the write, otherwise `{version, previousUser}`. Three calls
 * into Redis at most: the script runs on every write, so it stays short.
 *
 * The version is a counter. A new record starts it at the server's clock in microseconds, so a record
 * deleted and written again under the same key never reuses a version an old reader still holds.
 */
const WRITE = `
local current = redis.call('HMGET', KEYS[1], 'v', 'u')
local mode = ARGV[1]
local version
if current[1] then
  if mode == 'create' or (mode == 'cas' and current[1] ~= ARGV[2]) then return false end
  version = string.format('%d', tonumber(current[1]) + 1)
else
  if mode == 'cas' then return false end
  local t = redis.call('TIME')
  version = t[1] .. string.format('%06d', tonumber(t[2]))
end
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'd', ARGV[3], 'e', ARGV[4], 'v', version, 'u', ARGV[6])
else
  redis.call('HSET', KEYS[1], 'd', ARGV[3], 'e', ARGV[4], 'v', version)
  if current[2] then redis.call('HDEL', KEYS[1], 'u') end
end
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
return {version, current[2]}
`;

/**
 * Moves a record's expiry, never creating a record. ARGV: expiresAt, PEXPIREAT time, the user whose index
 * the caller has already moved (`''` for none).
 * Returns 0 for a missing record and 1 once touched. A record bound to a user other than ARGV[3] is left
 * alone and its user returned, so the caller can move that user's index entry first (the index never
 * ends before the record it lists).
 * The hash is updated before PEXPIREAT so a time in the past still deletes the whole key.
 */
const TOUCH = `
local user = redis.call('HGET', KEYS[1], 'u')
if not user then
  if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
elseif user ~= ARGV[3] then
  return user
end
redis.call('HSET', KEYS[1], 'e', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/** Deletes a record and returns the user it was bound to (nil when none), so its index entry can go. */
const DELETE = `
local user = redis.call('HGET', KEYS[1], 'u')
redis.call('DEL', KEYS[1])
return user
`;

/**
 * The index's own upkeep, shared by the scripts below: drops entries whose score (the record's expiry)
 * is at or before the cutoff it is given (the caller's clock less a margin for skew between app servers),
 * and lets the key expire with its longest-lived entry; Redis deletes it once it is empty.
 */
const INDEX_TIDY = `
local function tidy(cutoff)
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', KEYS[1], string.format('%d', math.ceil(tonumber(last[2])))) end
end
`;

/**
 * Adds a session to a user's index, or raises its score. ARGV: score (the record's expiry), member (the
 * session key), prune cutoff, `1` to update an existing entry only (touch).
 * A score never goes down: an index entry outlives its record, whatever order two writes run in.
 * Returns 1 when the entry was not there before, 0 when it was.
 */
const INDEX_ADD = `${INDEX_TIDY}
local old = redis.call('ZSCORE', KEYS[1], ARGV[2])
if old or ARGV[4] ~= '1' then
  if not old or tonumber(old) < tonumber(ARGV[1]) then redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) end
end
tidy(ARGV[3])
if old then return 0 end
return 1
`;

/** Prunes entries whose record's expiry has passed and lists the rest. ARGV: prune cutoff. */
const INDEX_LIST = `${INDEX_TIDY}
tidy(ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/** A Lua script with its SHA-1, the name Redis caches it under. */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** The scripts, hashed once per process. */
export const scripts: {
  readonly write: Script;
  readonly touch: Script;
  readonly delete: Script;
  readonly indexAdd: Script;
  readonly indexList: Script;
} = {
  write: script(WRITE),
  touch: script(TOUCH),
  delete: script(DELETE),
  indexAdd: script(INDEX_ADD),
  indexList: script(INDEX_LIST),
};

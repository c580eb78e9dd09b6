import { createHash } from 'node:crypto';

/**
 * The Lua scripts the store runs. On a Cluster each one touches exactly one key (KEYS[1]), since a
 * script may not reach keys in different slots there. On a single node (Sentinel-managed or not) the
 * record's scripts also keep the user's index, whose key they derive from the record's, so a read, a
 * touch and a write are each one round trip and atomic.
 *
 * A record is a hash: `d` the data, `e` its expiry (epoch ms, as core wrote it), `v` the version
 * counter, `u` the user id and `i` its index entry's score at least (both absent when no user). The key
 * itself expires natively (PEXPIREAT).
 */

/**
 * The key of a user's index, derived from the record's key, which ends in `s:<key>` (ARGV[1] is the key):
 * whatever prefix ioredis' `keyPrefix` put in front applies to the index too. Only the single-node
 * variants reach index keys from a record's script; on a Cluster they live in other slots.
 */
const INDEX_OF = `
local function index(user) return string.sub(KEYS[1], 1, -(#ARGV[1] + 3)) .. 'u:' .. user end
`;

/**
 * The index's own upkeep: drops entries whose score is at or before the cutoff it is given (the caller's
 * clock less a margin for skew between app servers), and lets the key expire with its longest-lived
 * entry; Redis deletes it once it is empty.
 */
const INDEX_TIDY = `
local function tidy(idx, cutoff)
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', cutoff)
  local last = redis.call('ZRANGE', idx, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', idx, string.format('%d', math.ceil(tonumber(last[2])))) end
end
`;

/**
 * Writes a record. ARGV: the key, mode (`create` | `set` | `cas`), expected version (cas only), data,
 * expiresAt, PEXPIREAT time, user id (`''` for none), the index score (the later of the absolute and the
 * record's expiry), `1` on a single node (the script keeps the user's index itself), prune cutoff.
 * Returns `false` (nil) when the mode refuses the write, otherwise `{version, previousUser}`.
 *
 * A record bound to a user keeps `i`, the score its index entry is known to have at least: a touch within
 * it leaves the index alone. On a single node the index entry is written here, and only when it is
 * missing or lower (a new user, a later absolute expiry); a `cas` whose session the index lost (evicted,
 * deleted by hand) ends it instead: a "sign out everywhere" may have missed it. On a Cluster the caller
 * has raised the index entry before, in its own slot, and removes a previous user's entry after.
 *
 * The version is a counter. A new record starts it at the server's clock in microseconds, so a record
 * deleted and written again under the same key never reuses a version an old reader still holds.
 */
const WRITE = `${INDEX_OF}${INDEX_TIDY}
local current = redis.call('HMGET', KEYS[1], 'v', 'u')
local mode = ARGV[2]
local version
if current[1] then
  if mode == 'create' or (mode == 'cas' and current[1] ~= ARGV[3]) then return false end
  version = string.format('%d', tonumber(current[1]) + 1)
else
  if mode == 'cas' then return false end
  local t = redis.call('TIME')
  version = t[1] .. string.format('%06d', tonumber(t[2]))
end
local user = ARGV[7]
local previous = current[2]
if user ~= '' then
  if ARGV[9] == '1' then
    local idx = index(user)
    local old = redis.call('ZSCORE', idx, ARGV[1])
    if not old and mode == 'cas' and previous == user then
      redis.call('DEL', KEYS[1])
      return false
    end
    if not old or tonumber(old) < tonumber(ARGV[8]) then
      redis.call('ZADD', idx, ARGV[8], ARGV[1])
      tidy(idx, ARGV[10])
    end
  end
  redis.call('HSET', KEYS[1], 'd', ARGV[4], 'e', ARGV[5], 'v', version, 'u', user, 'i', ARGV[8])
else
  redis.call('HSET', KEYS[1], 'd', ARGV[4], 'e', ARGV[5], 'v', version)
  if previous then redis.call('HDEL', KEYS[1], 'u', 'i') end
end
redis.call('PEXPIREAT', KEYS[1], ARGV[6])
if previous and previous ~= user and ARGV[9] == '1' then redis.call('ZREM', index(previous), ARGV[1]) end
return {version, previous}
`;

/**
 * Reads a record, and moves its expiry when asked to, never creating or reviving one. ARGV: the key,
 * mode (`get`; `due`: move the expiry when it is live, at or before ARGV[5] and earlier than the new one;
 * `touch`: move it), new expiresAt, its PEXPIREAT time, the due instant, the caller's clock (a record
 * whose expiry is at or before it is never touched, only answered), `1` on a
 * single node, `1` to fail closed when the user's index lost the session (single node), the user whose
 * index the caller already raised to the new expiry (Cluster, `''` for none), prune cutoff.
 *
 * Returns nil for a missing record (or one the index lost, when checked), otherwise `{data, expiresAt,
 * version, user, touched}` (data nil in `touch` mode), `touched` being 1, 0, or `index` when, on a Cluster,
 * the new expiry passes the record's index score: the caller raises the user's index entry first and
 * runs the script again, so an index entry never ends before its record. A single node raises it here.
 * The hash is updated before PEXPIREAT so a time in the past still deletes the whole key.
 */
const ACCESS = `${INDEX_OF}${INDEX_TIDY}
local r = redis.call('HMGET', KEYS[1], 'd', 'e', 'v', 'u', 'i')
if not r[1] then return false end
local user = r[4]
local single = ARGV[7] == '1'
if user and single and ARGV[8] == '1' and not redis.call('ZSCORE', index(user), ARGV[1]) then return false end
local mode = ARGV[2]
local touched = 0
if mode ~= 'get' then
  local e = tonumber(r[2])
  local to = tonumber(ARGV[3])
  if mode == 'touch' or (e > tonumber(ARGV[6]) and e <= tonumber(ARGV[5]) and to > e) then
    if user and to > tonumber(r[5] or '0') then
      if single then
        local idx = index(user)
        local old = redis.call('ZSCORE', idx, ARGV[1])
        if old and tonumber(old) < to then
          redis.call('ZADD', idx, ARGV[3], ARGV[1])
          tidy(idx, ARGV[10])
        end
      elseif ARGV[9] ~= user then
        return {false, false, false, user, 'index'}
      end
      redis.call('HSET', KEYS[1], 'e', ARGV[3], 'i', ARGV[3])
    else
      redis.call('HSET', KEYS[1], 'e', ARGV[3])
    end
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])
    r[2] = ARGV[3]
    touched = 1
  end
end
if mode == 'touch' then r[1] = false end
return {r[1], r[2], r[3], user, touched}
`;

/**
 * Deletes a record and returns the user it was bound to (nil when none). ARGV: the key, `1` on a single
 * node, where the user's index entry goes in the same script; on a Cluster the caller removes it after.
 */
const DELETE = `${INDEX_OF}
local user = redis.call('HGET', KEYS[1], 'u')
redis.call('DEL', KEYS[1])
if user and ARGV[2] == '1' then redis.call('ZREM', index(user), ARGV[1]) end
return user
`;

/**
 * Adds a session to a user's index, or raises its score (Cluster only: there the index is its own slot).
 * KEYS[1] the index. ARGV: score, member (the session key), prune cutoff, `1` to update an existing entry
 * only (touch). A score never goes down, and an index already high enough is left unwritten.
 * Returns 1 when the entry was not there before, 0 when it was.
 */
const INDEX_ADD = `${INDEX_TIDY}
local old = redis.call('ZSCORE', KEYS[1], ARGV[2])
if (old or ARGV[4] ~= '1') and (not old or tonumber(old) < tonumber(ARGV[1])) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  tidy(KEYS[1], ARGV[3])
end
if old then return 0 end
return 1
`;

/** Prunes entries whose session's end has passed and lists the rest. KEYS[1] the index; ARGV: cutoff. */
const INDEX_LIST = `${INDEX_TIDY}
tidy(KEYS[1], ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

/**
 * Single node only: removes from a user's index (KEYS[1]) the entries whose record no longer exists
 * (ended idle, evicted, deleted by hand). ARGV: the user id (to derive the records' keys from the index's,
 * `keyPrefix` included), then the session keys. Returns how many went.
 */
const INDEX_FORGET = `
local base = string.sub(KEYS[1], 1, -(#ARGV[1] + 3))
local removed = 0
for i = 2, #ARGV do
  if redis.call('EXISTS', base .. 's:' .. ARGV[i]) == 0 then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
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
  readonly access: Script;
  readonly delete: Script;
  readonly indexAdd: Script;
  readonly indexList: Script;
  readonly indexForget: Script;
} = {
  write: script(WRITE),
  access: script(ACCESS),
  delete: script(DELETE),
  indexAdd: script(INDEX_ADD),
  indexList: script(INDEX_LIST),
  indexForget: script(INDEX_FORGET),
};

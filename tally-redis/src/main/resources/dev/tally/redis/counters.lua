-- Tally's enforcement counters in Redis: one script, three operations (reserve, record, release), each one atomic
-- step, so one authorization is one round trip and no other node sees half of it.
--
-- Keys (P is the prefix setting, C a customer id; ids cannot contain braces, and {C} keeps a customer's keys in one
-- cluster slot):
--   P{C}:s:<counter>          sliding window (minute, hour): hash of u<slot> (usage) and h<slot> (held estimates),
--                             slot = floor(ms / slotMs), 60 slots per window, and their running sums U and H, the
--                             slot e up to which slots have left them and o, below which none has usage or holds
--                             (see slidingState)
--   P{C}:w:<counter>:<start>  calendar window (day, month) starting at <start> ms: hash of u and h
--   P{C}:pending              open reservations of C: sorted set of reservation keys by expiry ms
--   P:r:<key>                 one reservation: a string, cmsgpack of customer, tag, then per held charge the counter
--                             key, field and amount (zero amounts hold nothing and are left out); read back with
--                             one GET (a hash, as written before, is still read, with HGETALL)
--   Pfilled                   the mark that the counters hold the store's usage (no TTL); Redis restarted empty
--                             or flushed has none, and then every operation is refused with TALLYUNFILLED
--   Pfilling                  the lease of the node rebuilding the counters: "<owner> block|read" (see begin)
--   Pepoch                    bumped by invalidate (a node that could not count events): a rebuild that began before
--                             it must start again, as its reading may miss those events
--
-- Time is the caller's (ARGV), never Redis TIME, so every node and every test decides on the clock it was given.
-- Numbers: Lua has doubles, exact to 2^53; amounts are passed to HINCRBY as the caller's strings (64-bit exact in
-- Redis) and only summed here. Limits stay below 2^53 (RedisCounterStore checks, the server refuses larger ones), so a
-- sum or amount above 2^53, read to within a few units, is still over every limit: each comparison stays right.
-- Expired reservations are undone lazily, before any other operation of the same customer, so nothing waits for
-- Redis to expire a key; the TTLs only bound what a customer who never returns leaves behind.
--
-- Cost: every redis.call is most of what a call costs Redis, so the common path avoids those whose answer is known:
-- a window key's TTL is set when a write creates its field (HINCRBY answering the amount itself), not at every write;
-- a reservation is one string (SET with PX), not a hash and a PEXPIRE; undoing one adds the negated amount and drops
-- the field if that made it negative (the field had left its window), instead of asking HEXISTS first; a sliding
-- window is read from its running sums and the slot of its oldest usage, not by summing its up to 120 fields.

local SLOTS = 60
-- Kept past the end of a window or a reservation: covers clock skew between nodes and late settlements.
local MARGIN_MS = 3600000

local op = ARGV[1]
local P = ARGV[2]

local function customerKey(c, rest)
  return P .. '{' .. c .. '}:' .. rest
end

local function negated(amount)
  if string.sub(amount, 1, 1) == '-' then
    return string.sub(amount, 2)
  end
  return '-' .. amount
end

-- A window's key lives until its end plus the margin: a calendar window's end is fixed, so its TTL is set once (NX);
-- a sliding window's moves with its slots. Called after HINCRBY of amount answered total: only a write that created
-- its field (total == amount) sets the TTL, as every other write finds it set by the write that created the field, at
-- most one slot earlier for a sliding window (within the margin). Amounts of 0 are never written.
local function keepWindow(kind, key, ttlMs, total, amount)
  if total ~= tonumber(amount) then
    return
  end
  if kind == 's' then
    redis.call('PEXPIRE', key, ttlMs)
  else
    redis.call('PEXPIRE', key, ttlMs, 'NX')
  end
end

local function extend(key, ttlMs)
  -- Never shortens: a key shared by reservations and windows keeps the longest life asked for.
  if redis.call('PTTL', key) < ttlMs then
    redis.call('PEXPIRE', key, ttlMs)
  end
end

-- A reservation's record as {customer, tag, key1, field1, amount1, ...}, or nil if there is none. Records written as a
-- hash (before records were strings) are read too, so reservations pending across an upgrade are still undone.
local function readRecord(r)
  local v = redis.pcall('GET', r)
  if not v then
    return nil
  end
  if type(v) == 'string' then
    return {cmsgpack.unpack(v)}
  end
  local all = redis.call('HGETALL', r)
  local h = {}
  for i = 1, #all, 2 do
    h[all[i]] = all[i + 1]
  end
  local rec = {h['c'], h['t']}
  for i = 1, tonumber(h['n'] or '0') do
    rec[#rec + 1] = h['k' .. i]
    rec[#rec + 1] = h['f' .. i]
    rec[#rec + 1] = h['a' .. i]
  end
  return rec
end

-- Gives back what a reservation record holds. A field that has left its window (or whose key expired) comes out
-- negative: it is dropped rather than left behind (a key left with no field is gone). Held amounts are never
-- negative, so the one HINCRBY tells it; a negative amount (none are written today) is checked first.
local function undoHolds(rec)
  for i = 3, #rec, 3 do
    local k, f, a = rec[i], rec[i + 1], rec[i + 2]
    if string.sub(a, 1, 1) == '-' then
      if redis.call('HEXISTS', k, f) == 1 then
        redis.call('HINCRBY', k, f, negated(a))
        if f ~= 'h' then
          redis.call('HINCRBY', k, 'H', negated(a))
        end
      end
    elseif redis.call('HINCRBY', k, f, negated(a)) < 0 then
      redis.call('HDEL', k, f)
    elseif f ~= 'h' then
      -- A sliding window's slot still in it: its sum too (one whose slot left was taken out of the sum then).
      redis.call('HINCRBY', k, 'H', negated(a))
    end
  end
end

-- Gives back what a reservation holds and forgets it.
local function undo(rkey, rec, c)
  undoHolds(rec)
  redis.call('DEL', rkey)
  redis.call('ZREM', customerKey(c, 'pending'), string.sub(rkey, #P + 3))
end

-- Undoes every reservation of c due at nowMs: their records in one DEL, their entries in one ZREMRANGEBYSCORE.
local function expire(c, nowMs)
  local pending = customerKey(c, 'pending')
  local due = redis.call('ZRANGEBYSCORE', pending, '-inf', nowMs)
  if #due == 0 then
    return
  end
  local records = {}
  for i, key in ipairs(due) do
    local r = P .. 'r:' .. key
    records[i] = r
    local rec = readRecord(r)
    if rec then
      undoHolds(rec)
    end
  end
  redis.call('DEL', unpack(records))
  redis.call('ZREMRANGEBYSCORE', pending, '-inf', nowMs)
end

-- Sliding counters keep, beside the slot fields, running sums so that a decision reads a few fields instead of all
-- 120 (reading and summing every slot was most of what a call cost Redis):
--   U, H  the sums of the u<slot> and h<slot> fields present
--   e     every slot up to e has left the window: its fields are gone and no longer in U and H; present slots are > e
--   o     no slot in (e, o) has usage or holds (so the oldest that has is at o or later; o > cur when none has)
-- A key without e (written by an earlier script, or only ever written, never read) is summed from its fields once.

-- A sum as an integer Redis takes back (HSET, then HINCRBY): exact below 2^53; beyond, usage is over every limit
-- anyway, so it is kept within 2^62, where later increments cannot overflow Redis's 64 bits.
local function integer(x)
  return string.format('%.0f', math.max(math.min(x, 2 ^ 62), -2 ^ 62))
end

-- Sums a sliding key from its fields (dropping slots that left the window) and stores U, H, e, o. A key left without
-- slots is not given sums (nor created). Answers used, held, o, and e (nil when no sums were stored).
local function slidingRecount(key, cur)
  local all = redis.call('HGETALL', key)
  local edge = cur - SLOTS
  local used, held, bySlot, stale = 0, 0, {}, {}
  for i = 1, #all, 2 do
    local field = all[i]
    local kind = string.sub(field, 1, 1)
    local slot = tonumber(string.sub(field, 2))
    if (kind == 'u' or kind == 'h') and slot then
      if slot <= edge then
        stale[#stale + 1] = field
      else
        local v = tonumber(all[i + 1])
        if kind == 'u' then
          used = used + v
        else
          held = held + v
        end
        bySlot[slot] = (bySlot[slot] or 0) + v
      end
    end
  end
  if #stale > 0 then
    redis.call('HDEL', key, unpack(stale))
  end
  local o = cur + 1
  for slot, v in pairs(bySlot) do
    if v ~= 0 and slot < o then
      o = slot
    end
  end
  if #all > 2 * #stale then
    redis.call('HSET', key, 'U', integer(used), 'H', integer(held), 'e', edge, 'o', o)
    return used, held, o, edge
  end
  return used, held, o, nil
end

-- Drops the slots (e, edge] that have left the window from the fields and the sums. At most SLOTS slots.
local function slidingEvict(key, e, edge, used, held)
  local fields = {}
  for slot = e + 1, edge do
    fields[#fields + 1] = 'u' .. slot
    fields[#fields + 1] = 'h' .. slot
  end
  local values = redis.call('HMGET', key, unpack(fields))
  local gone = {}
  for i = 1, #fields do
    if values[i] then
      gone[#gone + 1] = fields[i]
      if i % 2 == 1 then
        used = used - tonumber(values[i])
      else
        held = held - tonumber(values[i])
      end
    end
  end
  if #gone > 0 then
    redis.call('HDEL', key, unpack(gone))
  end
  redis.call('HSET', key, 'U', integer(used), 'H', integer(held), 'e', edge)
  return used, held
end

-- The oldest slot from o to cur with usage or holds; cur + 1 when none has. Slot o alone first: it is the oldest
-- unless its usage and holds were undone since, so usually that answers (two fields, where a probe of eight slots
-- made sixteen field names from numbers, each a string formatting of its own); then a few slots per command.
local function slidingOldest(key, o, cur)
  if o <= cur then
    local first = redis.call('HMGET', key, 'u' .. o, 'h' .. o)
    if tonumber(first[1] or '0') + tonumber(first[2] or '0') ~= 0 then
      return o
    end
    o = o + 1
  end
  while o <= cur do
    local last = math.min(o + 7, cur)
    local fields = {}
    for slot = o, last do
      fields[#fields + 1] = 'u' .. slot
      fields[#fields + 1] = 'h' .. slot
    end
    local values = redis.call('HMGET', key, unpack(fields))
    for i = 1, #fields, 2 do
      if tonumber(values[i] or '0') + tonumber(values[i + 1] or '0') ~= 0 then
        return o + (i - 1) / 2
      end
    end
    o = last + 1
  end
  return o
end

-- The state of one sliding counter at slot cur: used, held, the oldest slot with usage or holds (cur + 1 if none,
-- only when withOldest), and e (nil when the key has no sums yet).
local function slidingState(key, cur, withOldest)
  local sums = redis.call('HMGET', key, 'U', 'H', 'e', 'o')
  local e = tonumber(sums[3])
  if not e or e < cur - 2 * SLOTS then
    -- No sums yet, or the whole window left long ago: summing the fields is as cheap as evicting slot by slot.
    return slidingRecount(key, cur)
  end
  local used, held = tonumber(sums[1] or '0'), tonumber(sums[2] or '0')
  local edge = cur - SLOTS
  if e < edge then
    used, held = slidingEvict(key, e, edge, used, held)
    e = edge
  end
  local o = tonumber(sums[4] or '0')
  if not withOldest then
    return used, held, o, e
  end
  if used == 0 and held == 0 then
    return used, held, cur + 1, e
  end
  local oldest = slidingOldest(key, math.max(o, e + 1), cur)
  if oldest ~= o then
    redis.call('HSET', key, 'o', oldest)
  end
  return used, held, oldest, e
end

-- Usage plus holds per slot of the window at cur: only for the time until a call that does not fit would.
local function slidingBySlot(key, cur)
  local fields = {}
  for slot = cur - SLOTS + 1, cur do
    fields[#fields + 1] = 'u' .. slot
    fields[#fields + 1] = 'h' .. slot
  end
  local values = redis.call('HMGET', key, unpack(fields))
  local bySlot = {}
  for i = 1, #fields, 2 do
    bySlot[cur - SLOTS + (i + 1) / 2] = tonumber(values[i] or '0') + tonumber(values[i + 1] or '0')
  end
  return bySlot
end

-- Adds amount to field (u<slot> or h<slot>, named by the caller, who has made the name already) of a sliding key and
-- to its sum, unless the slot already left the window by another node's clock (e); sets the TTL when the field is
-- new. e is nil when the key has no sums yet.
local function slidingAdd(key, slot, field, sum, amount, ttlMs, e, o)
  if e and slot <= e then
    return
  end
  keepWindow('s', key, ttlMs, redis.call('HINCRBY', key, field, amount), amount)
  if e then
    redis.call('HINCRBY', key, sum, amount)
    if slot < o then
      redis.call('HSET', key, 'o', slot)
    end
  end
end

-- reserve: P C nowMs holdUntilMs('' = check only) rkey tag n, then per charge 7 values:
--   kind('s' sliding | 'c' calendar) counter a b limit enforced('1'|'0') amount
--   sliding: a = slotMs; calendar: a = start of the window at now, b = its end
-- Answers {held(1|0), then per charge: used, reserved, fits(1|0), retryMs, resetMs}.
local function reserve()
  local c, nowMs, holdUntil, rkey, tag = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6], ARGV[7]
  local n = tonumber(ARGV[8])
  expire(c, ARGV[4])
  local out = {0}
  local allFit = true
  local holds = {}
  for i = 0, n - 1 do
    local base = 9 + i * 7
    local kind, counter, a, b = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3]
    local limit, enforced, amountText = tonumber(ARGV[base + 4]), ARGV[base + 5], ARGV[base + 6]
    local amount = tonumber(amountText)
    local used, held, retry, reset, key, field, ttl, slot, e, o
    if kind == 's' then
      local slotMs = tonumber(a)
      local cur = math.floor(nowMs / slotMs)
      key = customerKey(c, 's:' .. counter)
      local oldest
      used, held, oldest, e = slidingState(key, cur, true)
      slot, o = cur, oldest
      field = 'h' .. cur
      ttl = SLOTS * slotMs + MARGIN_MS
      reset = oldest <= cur and (oldest + SLOTS) * slotMs or nowMs + SLOTS * slotMs
      if limit >= 0 and used + held + amount > limit then
        -- When enough of the oldest usage leaves; a full window if the call alone is over the limit.
        retry = SLOTS * slotMs
        local total = used + held
        local bySlot = slidingBySlot(key, cur)
        for s = cur - SLOTS + 1, cur do
          total = total - bySlot[s]
          if total + amount <= limit then
            retry = (s + SLOTS) * slotMs - nowMs
            break
          end
        end
      end
    else
      key = customerKey(c, 'w:' .. counter .. ':' .. a)
      local h = redis.call('HMGET', key, 'u', 'h')
      used, held = tonumber(h[1] or '0'), tonumber(h[2] or '0')
      field = 'h'
      reset = tonumber(b)
      ttl = math.max(reset - nowMs, 0) + MARGIN_MS
      if limit >= 0 and used + held + amount > limit then
        retry = reset - nowMs
      end
    end
    local fits = retry == nil
    if not fits and enforced == '1' then
      allFit = false
    end
    out[#out + 1] = used
    out[#out + 1] = held
    out[#out + 1] = fits and 1 or 0
    out[#out + 1] = retry or 0
    out[#out + 1] = reset
    if amount ~= 0 then
      holds[#holds + 1] = {key, field, amountText, ttl, kind, slot, e, o}
    end
  end
  if allFit and holdUntil ~= '' then
    local rttl = math.max(tonumber(holdUntil) - nowMs, 0) + MARGIN_MS
    local rec = {c, tag}
    for _, hold in ipairs(holds) do
      if hold[5] == 's' then
        slidingAdd(hold[1], hold[6], hold[2], 'H', hold[3], hold[4], hold[7], hold[8])
      else
        keepWindow('c', hold[1], hold[4], redis.call('HINCRBY', hold[1], hold[2], hold[3]), hold[3])
      end
      rttl = math.max(rttl, hold[4])
      rec[#rec + 1] = hold[1]
      rec[#rec + 1] = hold[2]
      rec[#rec + 1] = hold[3]
    end
    redis.call('SET', P .. 'r:' .. rkey, cmsgpack.pack(unpack(rec)), 'PX', rttl)
    local pending = customerKey(c, 'pending')
    redis.call('ZADD', pending, holdUntil, rkey)
    extend(pending, rttl)
    out[1] = 1
  end
  return out
end

-- Releases reservation rkey if it is customer c's (any customer when c is '') and tagged tag; the customer, or false.
local function releaseOne(rkey, tag, c)
  local r = P .. 'r:' .. rkey
  local rec = readRecord(r)
  if not rec or rec[2] ~= tag or (c ~= '' and rec[1] ~= c) then
    return false
  end
  undo(r, rec, rec[1])
  return rec[1]
end

-- record: P C nowMs settleKey('' = none) settleTag readBack('1'|'0') n, then per charge 6 values:
--   kind counter a b d amount
--   sliding: a = slotMs, b = event ms; calendar: a = start of the event's window, b = its end, d = start at now
-- Answers, when readBack, the usage of each counter at now after recording; else an empty list.
local function record()
  local c, nowText, settleKey, settleTag, readBack = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
  local nowMs = tonumber(nowText)
  local n = tonumber(ARGV[8])
  expire(c, nowText)
  if settleKey ~= '' then
    releaseOne(settleKey, settleTag, c)
  end
  local out = {}
  for i = 0, n - 1 do
    local base = 9 + i * 6
    local kind, counter, a, b, d, amount = ARGV[base], ARGV[base + 1], ARGV[base + 2], ARGV[base + 3],
        ARGV[base + 4], ARGV[base + 5]
    if kind == 's' then
      local slotMs = tonumber(a)
      local cur = math.floor(nowMs / slotMs)
      -- An event from the near future (clock skew) counts now, so it cannot stay in the window longer.
      local slot = math.min(math.floor(tonumber(b) / slotMs), cur)
      local key = customerKey(c, 's:' .. counter)
      if slot > cur - SLOTS and amount ~= '0' then
        local sums = redis.call('HMGET', key, 'e', 'o')
        slidingAdd(key, slot, 'u' .. slot, 'U', amount, SLOTS * slotMs + MARGIN_MS, tonumber(sums[1]),
            tonumber(sums[2] or '0'))
      end
      if readBack == '1' then
        local used = slidingState(key, cur, false)
        out[#out + 1] = used
      end
    else
      local key = customerKey(c, 'w:' .. counter .. ':' .. a)
      if amount ~= '0' then
        keepWindow('c', key, math.max(tonumber(b) - nowMs, 0) + MARGIN_MS, redis.call('HINCRBY', key, 'u', amount),
            amount)
      end
      if readBack == '1' then
        out[#out + 1] = tonumber(redis.call('HGET', customerKey(c, 'w:' .. counter .. ':' .. d), 'u') or '0')
      end
    end
  end
  return out
end

-- release: P rkey tag nowMs. Answers the customer, or false when not held (unknown, settled, expired, wrong tag).
local function release()
  local rkey, tag, nowText = ARGV[3], ARGV[4], ARGV[5]
  local rec = readRecord(P .. 'r:' .. rkey)
  if not rec then
    return false
  end
  -- Expired ones are undone first, this one included if its time is up.
  expire(rec[1], nowText)
  return releaseOne(rkey, tag, rec[1])
end

-- The rebuild protocol (RedisCounterStore.refill). A rebuild takes the lease in phase 'block', deletes the counters,
-- switches to 'read', reads the store, seeds the counters (op 'seed', which skips the mark), and finishes by setting
-- the mark if no invalidate came meanwhile. While the mark is missing every other operation is refused with the
-- phase, which tells a node whose event count was refused whether the rebuild's reading surely includes that event
-- (refused with 'none' or 'block': the event was stored before the reading began) or maybe not ('read').

-- begin: P owner leaseMs. Answers 'filled', 'busy' (another node's lease), or 'ok <epoch>' (this node's lease).
local function begin()
  if redis.call('EXISTS', P .. 'filled') == 1 then
    return 'filled'
  end
  if not redis.call('SET', P .. 'filling', ARGV[3] .. ' block', 'NX', 'PX', ARGV[4]) then
    return 'busy'
  end
  return 'ok ' .. (redis.call('GET', P .. 'epoch') or '0')
end

local function owns(owner)
  local lease = redis.call('GET', P .. 'filling')
  return lease and string.sub(lease, 1, #owner + 1) == owner .. ' '
end

-- phase: P owner phase. Answers 1 if the lease is still this owner's (and now in phase), else 0.
local function phase()
  if not owns(ARGV[3]) then
    return 0
  end
  redis.call('SET', P .. 'filling', ARGV[3] .. ' ' .. ARGV[4], 'KEEPTTL')
  return 1
end

-- finish: P owner epoch nowMs. Answers 'done' (mark set, lease dropped), 'again <epoch>' (invalidated meanwhile: the
-- lease is kept, back in phase 'block'), or 'lost' (the lease ran out).
local function finish()
  if not owns(ARGV[3]) then
    return 'lost'
  end
  local epoch = redis.call('GET', P .. 'epoch') or '0'
  if epoch ~= ARGV[4] then
    redis.call('SET', P .. 'filling', ARGV[3] .. ' block', 'KEEPTTL')
    return 'again ' .. epoch
  end
  redis.call('SET', P .. 'filled', ARGV[5])
  redis.call('DEL', P .. 'filling')
  return 'done'
end

-- invalidate: P. Drops the mark, so the next operation of any node rebuilds the counters from the store.
local function invalidate()
  redis.call('DEL', P .. 'filled')
  return redis.call('INCR', P .. 'epoch')
end

if op == 'seed' then
  return record()
elseif op == 'begin' then
  return begin()
elseif op == 'phase' then
  return phase()
elseif op == 'finish' then
  return finish()
elseif op == 'invalidate' then
  return invalidate()
end

-- No decision and no count on counters that do not hold the store's usage (one EXISTS, inside the same call).
if redis.call('EXISTS', P .. 'filled') == 0 then
  return redis.error_reply('TALLYUNFILLED ' .. string.match(redis.call('GET', P .. 'filling') or 'x none', '%S+$'))
end
if op == 'reserve' then
  return reserve()
elseif op == 'record' then
  return record()
elseif op == 'release' then
  return release()
end
return redis.error_reply('unknown operation ' .. tostring(op))

package io.agentorchestrator.redis;

/**
 * The Lua scripts the transport runs, each atomic on the server. Kept as text here (EVAL; Redis
 * caches the compiled script) so that a worker in another language can run the same ones.
 */
final class Scripts {

    private Scripts() {
    }

    /**
     * An agent's reply: marks the attempt answered, writes the reply and acknowledges the task
     * entry, all or nothing. When the attempt was already answered (a redelivered copy), it only
     * acknowledges. A reply stream that is missing (Redis restarted and lost it) is created with an
     * expiry, so the reply is not lost and a stream nobody reads any more goes away by itself.
     * Returns 1 written, 2 written to a stream it had to create, 0 duplicate.
     * KEYS: reply stream, task stream, done key. ARGV: group, entry id, reply JSON, done TTL ms, reply stream TTL ms.
     */
    static final String COMMIT_REPLY = """
            local result = 0
            if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then
              if redis.call('EXISTS', KEYS[1]) == 1 then
                result = 1
              else
                result = 2
              end
              redis.call('XADD', KEYS[1], '*', 'reply', ARGV[3])
              if result == 2 then
                redis.call('PEXPIRE', KEYS[1], ARGV[5])
              end
            end
            pcall(redis.call, 'XACK', KEYS[2], ARGV[1], ARGV[2])
            return result
            """;

    /**
     * The replies of one batch, each with exactly the effect of {@link #COMMIT_REPLY}: one script
     * call for many replies instead of one each, which is most of what an agent costs Redis. One
     * reply that cannot be written (say the reply key is not a stream) does not stop the others:
     * its done mark is released, its entry is not acknowledged, and it reports -1, so the caller
     * retries it alone.
     * KEYS: per reply: reply stream, task stream, done key. ARGV: group, reply stream TTL ms, then
     * per reply: entry id, reply JSON, done TTL ms. Returns per reply 1 written, 2 written to a
     * stream it had to create, 0 duplicate, -1 failed.
     */
    static final String COMMIT_REPLIES = """
            local out, acks, fresh = {}, {}, {}
            for i = 1, #KEYS / 3 do
              local reply, stream, done = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
              local result = 0
              if redis.call('SET', done, '1', 'NX', 'PX', ARGV[3 * i + 2]) then
                if fresh[reply] == nil then
                  fresh[reply] = redis.call('EXISTS', reply) == 0
                end
                if not pcall(redis.call, 'XADD', reply, '*', 'reply', ARGV[3 * i + 1]) then
                  redis.call('DEL', done)
                  result = -1
                elseif fresh[reply] then
                  redis.call('PEXPIRE', reply, ARGV[2])
                  fresh[reply] = false
                  result = 2
                else
                  result = 1
                end
              end
              if result ~= -1 then
                local ids = acks[stream]
                if ids == nil then
                  ids = {}
                  acks[stream] = ids
                end
                ids[#ids + 1] = ARGV[3 * i]
              end
              out[i] = result
            end
            for stream, ids in pairs(acks) do
              pcall(redis.call, 'XACK', stream, ARGV[1], unpack(ids))
            end
            return out
            """;


    /**
     * Keeps an orchestrator's reply stream and its owner mark alive. The mark is set only here, so
     * when it is missing Redis lost this orchestrator's keys (a restart without persistence, a
     * flush) and the tasks it sent before cannot be answered. Creates the stream if missing (an
     * empty stream: XADD then trim to 0) and the reader's group if missing, from the start, so a
     * stream an agent's reply created again is read whole. Returns 1 when the mark had to be set.
     * KEYS: reply stream, owner mark. ARGV: TTL ms, reader group.
     */
    static final String ENSURE_REPLY_STREAM = """
            local lost = 0
            if redis.call('EXISTS', KEYS[2]) == 0 then
              redis.call('SET', KEYS[2], '1')
              lost = 1
            end
            if redis.call('EXISTS', KEYS[1]) == 0 then
              redis.call('XADD', KEYS[1], 'MAXLEN', '0', '*', 'open', '1')
            end
            -- BUSYGROUP when it is there already: nothing to do.
            redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[2], '0')
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            redis.call('PEXPIRE', KEYS[2], ARGV[1])
            return lost
            """;

    /** Server time in epoch ms, or ARGV[n] when the caller passed a clock reading. */
    private static final String NOW = """
            local now = tonumber(ARGV[%d])
            if not now then
              local t = redis.call('TIME')
              now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            """;

    /**
     * Announces an agent: stores its descriptor, sets its lease end, notifies watchers.
     * KEYS: registry hash, leases zset. ARGV: agent id, descriptor JSON, ttl ms, channel, message, now ms or ''.
     */
    static final String ANNOUNCE = NOW.formatted(6) + """
            redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
            redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
            redis.call('PUBLISH', ARGV[4], ARGV[5])
            return now
            """;

    /**
     * Withdraws an agent and notifies watchers (only when it was there).
     * KEYS: registry hash, leases zset. ARGV: agent id, channel, message.
     */
    static final String WITHDRAW = """
            redis.call('ZREM', KEYS[2], ARGV[1])
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
              redis.call('PUBLISH', ARGV[2], ARGV[3])
              return 1
            end
            return 0
            """;

    /**
     * Removes every agent whose lease ended and notifies watchers of each; run by every watcher,
     * atomic, so each expiry is announced once. Returns the expired ids.
     * KEYS: registry hash, leases zset. ARGV: channel, now ms or ''.
     */
    static final String EXPIRE = NOW.formatted(2) + """
            local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
            for _, id in ipairs(ids) do
              redis.call('ZREM', KEYS[2], id)
              redis.call('HDEL', KEYS[1], id)
              redis.call('PUBLISH', ARGV[1], cjson.encode({version = 1, type = 'withdraw', agentId = id, reason = 'expired'}))
            end
            return ids
            """;

    /**
     * The announced agents with the time left on their leases, then publishes a marker (ARGV[3] on
     * channel ARGV[2]) in the same atomic step, so that a watcher subscribed to that channel can
     * tell the messages published before this read from those published after it.
     * KEYS: registry hash, leases zset. ARGV: now ms or '', marker channel, marker. Returns a flat
     * list: id, descriptor, ms left, ...
     */
    static final String SNAPSHOT = NOW.formatted(1) + """
            local out = {}
            local leases = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf', 'WITHSCORES')
            for i = 1, #leases, 2 do
              local d = redis.call('HGET', KEYS[1], leases[i])
              if d then
                table.insert(out, leases[i])
                table.insert(out, d)
                table.insert(out, tostring(tonumber(leases[i + 1]) - now))
              end
            end
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return out
            """;

    /**
     * Reads up to a count of new entries for one consumer, from the first key (highest priority)
     * to the last, so a lower level is read only when the higher ones are empty.
     * KEYS: streams, highest priority first. ARGV: group, consumer, count. Returns {stream, id, fields}...
     */
    static final String READ_BY_PRIORITY = """
            local want = tonumber(ARGV[3])
            local out = {}
            for i = 1, #KEYS do
              if want <= 0 then break end
              local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', want, 'STREAMS', KEYS[i], '>')
              if r then
                for _, e in ipairs(r[1][2]) do
                  table.insert(out, {KEYS[i], e[1], e[2]})
                  want = want - 1
                end
              end
            end
            return out
            """;

    /** {@link #COMMIT_REPLY}, run by digest. */
    static final Script COMMIT = Script.of(COMMIT_REPLY);
    /** {@link #COMMIT_REPLIES}, run by digest. */
    static final Script COMMIT_BATCH = Script.of(COMMIT_REPLIES);
    /** {@link #READ_BY_PRIORITY}, run by digest. */
    static final Script READ = Script.of(READ_BY_PRIORITY);
}

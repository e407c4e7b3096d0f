package io.tickfan.server.bridge;

/**
 * The Lua script that appends one batch of ticks to a shard's stream. Redis runs it atomically,
 * which is what makes the numbering identical on every pod: the seq is given out here, in the
 * same step as the XADD, and every pod ingests the entry with that seq.
 *
 * <ul>
 *   <li>An epoch mismatch (Redis restarted empty, or another epoch was set) returns {@link
 *       #EPOCH_MISMATCH}: nothing is written, the writer re-reads the epoch and resends.
 *   <li>A batch number not above the writer's last applied one returns {@link #DUPLICATE_BATCH}:
 *       Lettuce re-sends in-flight commands after a reconnect, and the writer resends what timed
 *       out, so a batch may arrive twice; it is applied once.
 *   <li>A tick with a publisher seq not above the symbol's last is skipped (a publisher retry).
 * </ul>
 *
 * KEYS: stream, seq hash, writers hash, epoch. ARGV: epoch, writer id, batch number, maxlen, then
 * per tick: symbol, publisher seq (0: number it here), fields.
 */
final class AppendScript {
    static final long DUPLICATE_BATCH = -1;
    static final long EPOCH_MISMATCH = -2;
    static final int FIXED_ARGS = 4;

    static final String LUA = String.join(
            "\n",
            "if redis.call('GET', KEYS[4]) ~= ARGV[1] then return -2 end",
            "local batch = tonumber(ARGV[3])",
            "local applied = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')",
            "if batch <= applied then return -1 end",
            "redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])",
            "local written = 0",
            "for i = 5, #ARGV, 3 do",
            "  local sym = ARGV[i]",
            "  local seq = nil",
            "  if ARGV[i + 1] == '0' then",
            "    seq = redis.call('HINCRBY', KEYS[2], sym, 1)",
            "  else",
            "    local cur = tonumber(redis.call('HGET', KEYS[2], sym) or '0')",
            "    if tonumber(ARGV[i + 1]) > cur then",
            "      redis.call('HSET', KEYS[2], sym, ARGV[i + 1])",
            "      seq = ARGV[i + 1]",
            "    end",
            "  end",
            "  if seq then",
            "    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[1], 's', sym, 'q', seq, 'd', ARGV[i + 2])",
            "    written = written + 1",
            "  end",
            "end",
            "return written");

    private AppendScript() {}
}

package io.tickfan.server.bridge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Lua script that appends one batch of ticks to a shard's stream as ONE entry. Redis runs it
 * atomically, which is what makes the numbering identical on every pod: seqs are given out here,
 * in the same step as the XADD, and every pod ingests the entry with them.
 *
 * <p>The writer groups a batch into runs (see {@link StreamEntries}): a run of ticks of one symbol
 * numbered by Redis costs one {@code HINCRBY symbol count}; a tick with a publisher seq is a run of
 * its own, kept only when its seq is above the symbol's last. The entry records each run's first
 * seq (0: dropped), so the script's work is per symbol per batch, not per tick: measured, a script
 * doing HINCRBY + XADD per tick cost Redis about 7.5 us per tick, one entry per batch well under 1.
 *
 * <ul>
 *   <li>An epoch mismatch (the shard's Redis restarted empty, or another epoch was set) returns
 *       {@link #EPOCH_MISMATCH}: nothing is written, the writer re-reads the epoch and resends.
 *   <li>A batch number not above the writer's last applied one returns {@link #DUPLICATE_BATCH}:
 *       Lettuce re-sends in-flight commands after a reconnect, and the writer resends what timed
 *       out, so a batch may arrive twice; it is applied once.
 * </ul>
 *
 * KEYS (all of one shard, one slot): stream, seq hash, writers hash, shard epoch. ARGV: epoch, writer id, batch number, maxlen,
 * payload ({@code t}), then per run: symbol, publisher seq (0: number the run here), tick count.
 */
final class AppendScript {
    static final long DUPLICATE_BATCH = -1;
    static final long EPOCH_MISMATCH = -2;
    static final int FIXED_ARGS = 5;

    static final String LUA = String.join(
            "\n",
            "if redis.call('GET', KEYS[4]) ~= ARGV[1] then return -2 end",
            "local batch = tonumber(ARGV[3])",
            "local applied = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')",
            "if batch <= applied then return -1 end",
            "redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])",
            "local firsts = {}",
            "local written = 0",
            "for i = 6, #ARGV, 3 do",
            "  local count = tonumber(ARGV[i + 2])",
            "  if ARGV[i + 1] == '0' then",
            "    firsts[#firsts + 1] = redis.call('HINCRBY', KEYS[2], ARGV[i], count) - count + 1",
            "    written = written + count",
            "  else",
            "    local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')",
            "    if tonumber(ARGV[i + 1]) > cur then",
            "      redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])",
            "      firsts[#firsts + 1] = ARGV[i + 1]",
            "      written = written + 1",
            "    else",
            "      firsts[#firsts + 1] = '0'",
            "    end",
            "  end",
            "end",
            "redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[1], 'w', ARGV[2], 'b', ARGV[3], 'q', table.concat(firsts, ','), 't', ARGV[5])",
            "return written");

    private AppendScript() {}

    /**
     * The ARGV of one append of {@code b}: its ticks grouped by symbol (first appearance order, each
     * symbol's ticks in publish order), so Redis numbers each symbol's run with one HINCRBY.
     */
    static String[] argv(AppendBatch b, String epoch, String writerId, long maxLen) {
        final Map<String, List<PendingTick>> bySymbol = new LinkedHashMap<>();
        for (PendingTick p : b.ticks) {
            bySymbol.computeIfAbsent(p.symbol, k -> new ArrayList<>()).add(p);
        }
        final StringBuilder payload = new StringBuilder(b.ticks.size() * 96);
        final List<String> runs = new ArrayList<>();
        String prevSymbol = null;
        long prevSeq = 0;
        int runCount = 0;
        for (List<PendingTick> group : bySymbol.values()) {
            for (PendingTick p : group) {
                if (StreamEntries.startsRun(prevSymbol, prevSeq, p.symbol, p.publisherSeq())) {
                    if (runCount > 0) {
                        runs.add(Integer.toString(runCount));
                    }
                    runs.add(p.symbol);
                    runs.add(Long.toString(p.publisherSeq()));
                    runCount = 0;
                }
                runCount++;
                StreamEntries.writeLine(payload, p.symbol, p.tick, p.tick.ingestTimeNs);
                prevSymbol = p.symbol;
                prevSeq = p.publisherSeq();
            }
        }
        runs.add(Integer.toString(runCount));
        final String[] argv = new String[FIXED_ARGS + runs.size()];
        argv[0] = epoch;
        argv[1] = writerId;
        argv[2] = Long.toString(b.number);
        argv[3] = Long.toString(maxLen);
        argv[4] = payload.toString();
        for (int i = 0; i < runs.size(); i++) {
            argv[FIXED_ARGS + i] = runs.get(i);
        }
        return argv;
    }

    /** The KEYS of an append to {@code shard}, in the order the script reads them. */
    static String[] keys(RedisKeys keys, int shard) {
        return new String[] {keys.stream(shard), keys.seq(shard), keys.writers(shard), keys.epoch(shard)};
    }
}

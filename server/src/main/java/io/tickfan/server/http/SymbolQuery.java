package io.tickfan.server.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tickfan.protocol.Symbols;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.SymbolTable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code symbols=A,B} parameter of SSE and poll requests, validated like a WebSocket
 * subscribe: alphabet, count limits, entitlements, symbol-table capacity.
 *
 * @param symbolIds the ids, each with one hold ({@code SymbolTable.acquire}) the subscribe takes
 *     over, when valid
 * @param status the HTTP status to refuse with, when not
 * @param reason why, when not
 */
public record SymbolQuery(int[] symbolIds, HttpResponseStatus status, String reason) {

    public boolean isValid() {
        return symbolIds != null;
    }

    public static SymbolQuery parse(QueryStringDecoder uri, Principal principal, ServerContext context) {
        final List<String> params = uri.parameters().get("symbols");
        if (params == null || params.isEmpty()) {
            return refuse(HttpResponseStatus.BAD_REQUEST, "missing symbols parameter");
        }
        final Set<String> symbols = new LinkedHashSet<>();
        for (String param : params) {
            for (String symbol : param.split(",", -1)) {
                if (!Symbols.isValid(symbol)) {
                    return refuse(HttpResponseStatus.BAD_REQUEST, "invalid symbol");
                }
                symbols.add(symbol);
            }
        }
        final int max = Math.min(context.maxSubscriptions, context.maxSymbolsPerMessage);
        if (symbols.size() > max) {
            return refuse(HttpResponseStatus.BAD_REQUEST, "more than " + max + " symbols");
        }
        for (String symbol : symbols) {
            if (!principal.entitlements().allows(symbol)) {
                return refuse(HttpResponseStatus.FORBIDDEN, "not entitled to a requested symbol");
            }
        }
        final int[] ids = new int[symbols.size()];
        int i = 0;
        for (String symbol : symbols) {
            ids[i] = context.engine.symbols().acquire(symbol);
            if (ids[i] == SymbolTable.FULL) {
                for (int j = 0; j < i; j++) {
                    context.engine.releaseHold(ids[j]);
                }
                return refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, "symbol table full");
            }
            i++;
        }
        return new SymbolQuery(ids, null, null);
    }

    /** Gives back the holds of a valid query that will not be subscribed after all. */
    public void release(ServerContext context) {
        for (int id : symbolIds) {
            context.engine.releaseHold(id);
        }
    }

    private static SymbolQuery refuse(HttpResponseStatus status, String reason) {
        return new SymbolQuery(null, status, reason);
    }
}

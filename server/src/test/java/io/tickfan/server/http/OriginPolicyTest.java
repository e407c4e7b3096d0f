package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class OriginPolicyTest {
    private static final OriginPolicy NO_LIST = new OriginPolicy("");
    private static final OriginPolicy LISTED = new OriginPolicy("https://app.example.com, http://Trader.Example:8443/");

    private static HttpRequest request(String host, String origin) {
        final HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
        if (host != null) {
            r.headers().set(HttpHeaderNames.HOST, host);
        }
        if (origin != null) {
            r.headers().set(HttpHeaderNames.ORIGIN, origin);
        }
        return r;
    }

    @Test
    void shouldAllowARequestWithoutOrigin() {
        assertTrue(LISTED.permits(request("tickfan:8080", null), true));
    }

    @Test
    void shouldAllowTheServersOwnOriginWhateverCarriesTheToken() {
        assertTrue(LISTED.permits(request("tickfan:8080", "http://tickfan:8080"), true));
        assertTrue(LISTED.permits(request("TICKFAN:8080", "http://tickfan:8080/"), true));
        assertTrue(LISTED.permits(request("tickfan", "http://tickfan"), true), "default port on both sides");
        assertTrue(LISTED.permits(request("tickfan", "https://tickfan:8443"), true), "a Host without a port");
        assertTrue(LISTED.permits(request("tickfan:443", "wss://tickfan"), true));
        assertTrue(LISTED.permits(request("[::1]:8080", "http://[::1]:8080"), true));
    }

    @Test
    void shouldNotTakeAnotherHostOrPortForTheServersOwn() {
        assertFalse(LISTED.permits(request("tickfan:8080", "http://tickfan:8081"), true));
        assertFalse(LISTED.permits(request("tickfan:8080", "http://evil.example:8080"), true));
        assertFalse(LISTED.permits(request("tickfan:80", "https://tickfan"), true));
        assertFalse(LISTED.permits(request("[::1]:8080", "http://[::2]:8080"), true));
        assertFalse(LISTED.permits(request(null, "http://tickfan:8080"), true), "no Host");
    }

    @Test
    void shouldTreatNullAndMalformedOriginsAsForeign() {
        for (String origin : new String[] {
            "null",
            "tickfan:8080",
            "://tickfan",
            "http://",
            "http://tickfan:80x",
            "http://tickfan:99999",
            "http://tickfan:"
        }) {
            assertFalse(LISTED.permits(request("tickfan:8080", origin), true), origin);
            assertFalse(NO_LIST.permits(request("tickfan:8080", origin), true), origin);
            assertTrue(NO_LIST.permits(request("tickfan:8080", origin), false), "token not from a cookie: " + origin);
        }
    }

    @Test
    void shouldAllowListedOriginsCaseInsensitivelyAndWithoutTrailingSlash() {
        assertTrue(LISTED.permits(request("tickfan:8080", "https://APP.example.com/"), true));
        assertTrue(LISTED.permits(request("tickfan:8080", "http://trader.example:8443"), true));
        assertFalse(LISTED.permits(request("tickfan:8080", "https://other.example.com"), false));
        assertEquals("https://APP.example.com", LISTED.corsOrigin(request("tickfan:8080", "https://APP.example.com")));
        assertNull(LISTED.corsOrigin(request("tickfan:8080", "https://other.example.com")));
    }

    @Test
    void shouldRefuseAForeignOriginOnlyWhenACookieCarriesTheTokenWithoutAList() {
        assertTrue(NO_LIST.permits(request("tickfan:8080", "https://page.example"), false));
        assertFalse(NO_LIST.permits(request("tickfan:8080", "https://page.example"), true));
    }
}

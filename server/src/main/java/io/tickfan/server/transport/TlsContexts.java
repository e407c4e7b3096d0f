package io.tickfan.server.transport;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.tickfan.server.config.ServerConfig;
import java.io.File;
import javax.net.ssl.SSLException;

/** Builds the server's TLS context: ALPN offering {@code h2} then {@code http/1.1}, HTTP/2-safe ciphers. */
public final class TlsContexts {
    private TlsContexts() {}

    /** The TLS context the configuration asks for, or null for cleartext only. */
    public static SslContext fromConfig(ServerConfig config)
            throws SSLException, java.security.cert.CertificateException {
        final String cert = config.string(ServerConfig.TLS_CERT);
        final String key = config.string(ServerConfig.TLS_KEY);
        final SslContextBuilder builder;
        if (!cert.isEmpty() && !key.isEmpty()) {
            builder = SslContextBuilder.forServer(new File(cert), new File(key));
        } else if (config.bool(ServerConfig.TLS_SELF_SIGNED)) {
            builder = selfSignedBuilder();
        } else {
            return null;
        }
        return builder.sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2,
                        ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    // Netty marks the class deprecated as "for testing only": exactly the development use it gets here.
    @SuppressWarnings("deprecation")
    private static SslContextBuilder selfSignedBuilder() throws java.security.cert.CertificateException {
        final io.netty.handler.ssl.util.SelfSignedCertificate self =
                new io.netty.handler.ssl.util.SelfSignedCertificate("localhost");
        return SslContextBuilder.forServer(self.certificate(), self.privateKey());
    }
}

package io.tickfan.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Signing keys made once per test JVM: an RSA 2048 and an EC P-256 key pair (plus a second RSA
 * pair, for tokens signed by a key the server does not know), with the public halves written as
 * PEM files for {@code auth.rs256PublicKeyFile} and {@code auth.es256PublicKeyFile}.
 */
public final class TestKeys {
    private static final KeyPair RSA = generate("RSA", 2048);
    private static final KeyPair OTHER_RSA = generate("RSA", 2048);
    private static final KeyPair EC = generateEc();
    private static final Path RSA_PEM = writePem("rs256", RSA.getPublic());
    private static final Path EC_PEM = writePem("es256", EC.getPublic());

    private TestKeys() {}

    public static RSAPublicKey rsaPublic() {
        return (RSAPublicKey) RSA.getPublic();
    }

    public static RSAPrivateKey rsaPrivate() {
        return (RSAPrivateKey) RSA.getPrivate();
    }

    /** An RSA key pair the server is not configured with. */
    public static RSAPrivateKey otherRsaPrivate() {
        return (RSAPrivateKey) OTHER_RSA.getPrivate();
    }

    public static RSAPublicKey otherRsaPublic() {
        return (RSAPublicKey) OTHER_RSA.getPublic();
    }

    public static ECPublicKey ecPublic() {
        return (ECPublicKey) EC.getPublic();
    }

    public static ECPrivateKey ecPrivate() {
        return (ECPrivateKey) EC.getPrivate();
    }

    /** PEM file of the RSA public key (for {@code auth.rs256PublicKeyFile}). */
    public static Path rsaPublicKeyFile() {
        return RSA_PEM;
    }

    /** PEM file of the EC public key (for {@code auth.es256PublicKeyFile}). */
    public static Path ecPublicKeyFile() {
        return EC_PEM;
    }

    /** The text of the RSA public key file: what a key-confusion attacker uses as an HS256 secret. */
    public static byte[] rsaPublicKeyPemBytes() {
        try {
            return Files.readAllBytes(RSA_PEM);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair generate(String algorithm, int bits) {
        try {
            final KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generateEc() {
        try {
            final KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writePem(String name, PublicKey key) {
        final String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        try {
            final Path file = Files.createTempFile("tickfan-" + name + "-", ".pem");
            file.toFile().deleteOnExit();
            Files.writeString(file, pem, StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

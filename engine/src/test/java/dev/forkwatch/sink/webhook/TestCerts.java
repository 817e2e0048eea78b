package dev.forkwatch.sink.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A throw-away PKI made with the JDK's keytool in a temp dir: a CA, and leaf certificates it signs. */
final class TestCerts {
    static final char[] PW = "changeit".toCharArray();
    private final Path dir;
    final String name;
    final Path caP12;
    final Path caPem;

    /** A new CA called {@code name}. */
    TestCerts(Path dir, String name) throws Exception {
        this.dir = dir;
        this.name = name;
        caP12 = dir.resolve(name + "-ca.p12");
        caPem = dir.resolve(name + "-ca.pem");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name + " test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", caP12.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caP12.toString(), "-storepass", "changeit",
                "-file", caPem.toString());
    }

    /** A leaf signed by this CA; {@code san} like "ip:127.0.0.1,dns:localhost". Returns its PKCS12 (key + chain). */
    Path leaf(String alias, String san) throws Exception {
        Path p12 = dir.resolve(name + "-" + alias + ".p12");
        Path csr = dir.resolve(name + "-" + alias + ".csr");
        Path pem = dir.resolve(name + "-" + alias + ".pem");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + alias,
                "-validity", "2", "-keystore", p12.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-certreq", "-alias", alias, "-keystore", p12.toString(), "-storepass", "changeit", "-file", csr.toString());
        keytool("-gencert", "-alias", "ca", "-keystore", caP12.toString(), "-storepass", "changeit", "-infile", csr.toString(),
                "-outfile", pem.toString(), "-rfc", "-validity", "2", "-ext", "san=" + san);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore", p12.toString(),
                "-storepass", "changeit");
        keytool("-importcert", "-alias", alias, "-file", pem.toString(), "-keystore", p12.toString(), "-storepass", "changeit");
        return p12;
    }

    /** The leaf's certificate chain (PEM) and unencrypted PKCS#8 key (PEM), as a user would configure them. */
    static Path[] pemFiles(Path p12, String alias) throws Exception {
        KeyStore ks = load(p12);
        PrivateKey key = (PrivateKey) ks.getKey(alias, PW);
        Path dir = p12.getParent();
        String base = p12.getFileName().toString().replace(".p12", "");
        Path certPem = dir.resolve(base + "-chain.pem");
        Path keyPem = dir.resolve(base + "-key.pem");
        StringBuilder chain = new StringBuilder();
        for (java.security.cert.Certificate c : ks.getCertificateChain(alias)) {
            chain.append(pem("CERTIFICATE", c.getEncoded()));
        }
        Files.writeString(certPem, chain);
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new Path[] {certPem, keyPem};
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** A server context presenting the leaf in {@code p12}, trusting {@code clientCa} (or nothing) for client certs. */
    static SSLContext serverContext(Path p12, Path clientCaP12) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(p12), PW);
        TrustManagerFactory tmf = null;
        if (clientCaP12 != null) {
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(clientCaP12));
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, PW);
        }
        return ks;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("keytool timed out: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed (" + p.exitValue() + "): " + cmd + "\n" + out);
        }
    }
}

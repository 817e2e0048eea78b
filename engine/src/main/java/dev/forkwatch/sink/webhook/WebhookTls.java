package dev.forkwatch.sink.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The SSLContext for the webhook: the JDK's trust store unless tls.ca_file names PEM CA certificates (then only
 * those are trusted, like curl --cacert), a client certificate and key for mutual TLS, or no checks at all
 * (tls.insecure). Host names are checked by the HTTP client against the certificate unless insecure.
 */
final class WebhookTls {
    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

    private WebhookTls() {
    }

    /** A problem with one TLS setting; the message names the key. */
    static final class TlsConfigException extends Exception {
        TlsConfigException(String message) {
            super(message);
        }
    }

    static SSLContext context(Path caFile, Path clientCert, Path clientKey, boolean insecure) throws TlsConfigException {
        try {
            TrustManager[] trust = null; // JDK default
            if (insecure) {
                trust = new TrustManager[] {new TrustAll()};
            } else if (caFile != null) {
                List<X509Certificate> cas = readCerts(caFile, "outputs.webhook.tls.ca_file");
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    ks.setCertificateEntry("ca" + i, cas.get(i));
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                trust = tmf.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (clientCert != null) {
                List<X509Certificate> chain = readCerts(clientCert, "outputs.webhook.tls.client_cert");
                PrivateKey key = readKey(clientKey);
                char[] pw = new char[0];
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                try {
                    ks.setKeyEntry("client", key, pw, chain.toArray(new Certificate[0]));
                } catch (GeneralSecurityException e) {
                    throw new TlsConfigException("outputs.webhook.tls.client_key: the key does not fit the certificate in "
                            + clientCert + ": " + e.getMessage());
                }
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
                keys = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, new SecureRandom());
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsConfigException("outputs.webhook.tls: cannot set up TLS: " + e.getMessage());
        }
    }

    static List<X509Certificate> readCerts(Path file, String key) throws TlsConfigException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(file)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new TlsConfigException(key + ": cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new TlsConfigException(key + ": " + file + " is not a PEM certificate file: " + e.getMessage());
        }
        List<X509Certificate> out = new ArrayList<>();
        for (Certificate c : certs) {
            out.add((X509Certificate) c);
        }
        if (out.isEmpty()) {
            throw new TlsConfigException(key + ": " + file + " holds no certificate");
        }
        return out;
    }

    /** An unencrypted PKCS#8 PEM key ("BEGIN PRIVATE KEY"), RSA, EC or Ed25519. */
    static PrivateKey readKey(Path file) throws TlsConfigException {
        String key = "outputs.webhook.tls.client_key";
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsConfigException(key + ": cannot read " + file + ": " + e.getMessage());
        }
        Matcher m = PEM_KEY.matcher(text);
        if (!m.find()) {
            throw new TlsConfigException(key + ": " + file + " holds no PEM private key");
        }
        if (!m.group(1).isEmpty()) {
            throw new TlsConfigException(key + ": " + file + " holds a '" + m.group(1).trim() + " PRIVATE KEY'; an "
                    + "unencrypted PKCS#8 key is needed (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            throw new TlsConfigException(key + ": " + file + ": the PEM body is not base64");
        }
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "EdDSA"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new TlsConfigException(key + ": " + file + ": not an RSA, EC or Ed25519 private key");
    }

    /** tls.insecure: accepts any certificate for any host (the extended form also skips the host-name check). */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }
    }
}

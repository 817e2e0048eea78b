package dev.forkwatch.sink.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks 1.0 signatures: {@code v1,} + base64(HMAC-SHA256(key, "id.timestamp.body")).
 * A secret written {@code whsec_<base64>} is used as the decoded bytes, any other secret as its UTF-8 bytes.
 */
public final class WebhookSigner {
    static final String PREFIX = "whsec_";
    private final SecretKeySpec key;

    public WebhookSigner(byte[] key) {
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** The key bytes for a secret; IllegalArgumentException (no secret in the message) if whsec_ is not base64. */
    public static byte[] keyOf(String secret) {
        if (secret.startsWith(PREFIX)) {
            try {
                return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the secret starts with whsec_ but the rest is not base64");
            }
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    public String sign(String id, long timestampSeconds, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] sig = mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "WebhookSigner[key hidden]";
    }
}

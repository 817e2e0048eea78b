#!/usr/bin/env python3
"""A minimal forkwatch webhook receiver: verifies Standard Webhooks signatures and prints each alert.

Python 3 standard library only. Usage:

    FORKWATCH_WEBHOOK_SECRET=whsec_... python3 receiver.py [--port 2801] [--host 127.0.0.1]

Answers 204 for a valid alert, 401 for a missing/bad signature or a timestamp more than 5 minutes off,
400 for a body that is not JSON. Ids already seen are acknowledged again but not printed twice
(forkwatch delivers at least once). Without a secret, signatures are not checked (a warning says so).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def secret_key(secret):
    """Standard Webhooks: whsec_<base64> is the decoded bytes, anything else its UTF-8 bytes."""
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode("utf-8")


def verify(key, headers, body, now=None):
    """Returns None when the request is authentic, else the reason it is not."""
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        ts_int = int(ts)
    except ValueError:
        return "bad webhook-timestamp"
    now = time.time() if now is None else now
    if abs(now - ts_int) > TOLERANCE_SECONDS:
        return "webhook-timestamp too far from now"
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # The header may carry several space-separated "v1,<sig>" entries (key rotation).
    for entry in sigs.split():
        version, _, sig = entry.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return None
    return "signature does not match"


def make_handler(key, seen):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if key is not None:
                reason = verify(key, self.headers, body)
                if reason:
                    print("REJECTED " + reason, flush=True)
                    self.send_response(401)
                    self.end_headers()
                    return
            try:
                alert = json.loads(body)
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            msg_id = self.headers.get("webhook-id") or alert.get("uuid")
            if msg_id not in seen:
                seen.add(msg_id)
                state = "VERIFIED" if key is not None else "UNSIGNED"
                print("%s %s %s %s: %s" % (state, msg_id, alert.get("priority"), alert.get("rule"),
                                           alert.get("output")), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, fmt, *args):
            pass  # one line per alert is printed above

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2801)
    ap.add_argument("--secret-env", default="FORKWATCH_WEBHOOK_SECRET")
    args = ap.parse_args()
    secret = os.environ.get(args.secret_env, "")
    key = secret_key(secret) if secret else None
    if key is None:
        print("warning: %s is not set: signatures are not checked" % args.secret_env, file=sys.stderr)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(key, set()))
    print("LISTENING %s:%d" % (args.host, server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

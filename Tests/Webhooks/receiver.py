#!/usr/bin/env python3
"""A webhook receiver for the end-to-end tests: another system, in another language, verifying SalesDesk's webhooks.

It verifies each request with the function in README.md's "Webhooks" section (the python block after the
`<!-- webhook-verify-snippet -->` marker is loaded and run as is), so the test proves the documented recipe works.
It records one JSON line per request in --log and de-duplicates by event id, as the README tells receivers to.

  receiver.py --readme README.md --secret-file FILE --log FILE [--fail-first N]

Prints "PORT <n>" once listening on 127.0.0.1. --fail-first answers 500 to the first N verified requests.
The secret is read from --secret-file at each request (the test writes it after registering the endpoint).
"""
import argparse
import http.server
import json
import re
import signal
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--readme", required=True)
parser.add_argument("--secret-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--fail-first", type=int, default=0)
args = parser.parse_args()
# A test runner may start us with SIGTERM ignored (an ignored signal survives exec): die on it as usual.
signal.signal(signal.SIGTERM, signal.SIG_DFL)

with open(args.readme, encoding="utf-8") as f:
    readme = f.read()
match = re.search(r"<!-- webhook-verify-snippet -->\s*```python\n(.*?)```", readme, re.S)
if not match:
    sys.exit("README.md has no python block after <!-- webhook-verify-snippet -->")
snippet = {}
exec(match.group(1), snippet)
verify = snippet["verify_salesdesk_signature"]

lock = threading.Lock()
seen = set()
failures_left = [args.fail_first]


def record(entry):
    with lock, open(args.log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(args.secret_file, encoding="utf-8") as f:
            secret = f.read().strip()
        header = self.headers.get("SalesDesk-Signature", "")
        entry = {"eventIdHeader": self.headers.get("SalesDesk-Event-Id"), "typeHeader": self.headers.get("SalesDesk-Event-Type")}
        if not verify(secret, header, body):
            entry.update(verified=False, answered=401)
            record(entry)
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        entry.update(verified=True, eventId=event["id"], type=event["type"], occurredAt=event["occurredAt"], data=event["data"])
        with lock:
            fail = failures_left[0] > 0
            if fail:
                failures_left[0] -= 1
            duplicate = not fail and event["id"] in seen
            if not fail:
                seen.add(event["id"])
        entry.update(answered=500 if fail else 200, duplicate=duplicate)
        record(entry)
        self.send_response(500 if fail else 200)
        self.end_headers()

    def log_message(self, *_):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()

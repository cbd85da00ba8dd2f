#!/usr/bin/env python3
"""A WeCom stand-in for benchmarks: answers the group robot's POST /cgi-bin/webhook/send and the self-built app's
GET /cgi-bin/gettoken and POST /cgi-bin/message/send like WeCom ({"errcode":0,"errmsg":"ok"}), and appends
"<unix time>\t<body>" per push to a log file.
Usage: wecom_standin.py PORT LOGFILE [THROTTLE_FIRST]
THROTTLE_FIRST: answer the first N requests with errcode 45009 ("api freq out of limit"), as a robot past its
20 messages a minute does; they are logged with a "45009" mark instead of the time."""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
throttle_left = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lock = threading.Lock()
log = open(log_path, "a", buffering=1, encoding="utf-8")


class Robot(BaseHTTPRequestHandler):
    # Keep-alive, as WeCom's servers do: a connection per push would measure this stand-in's accept loop.
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global throttle_left
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            throttled = throttle_left > 0
            if throttled:
                throttle_left -= 1
        text = body.decode('utf-8', 'replace').replace(chr(10), ' ')
        if throttled:
            log.write(f"45009\t{text}\n")
            reply = b'{"errcode":45009,"errmsg":"api freq out of limit"}'
        else:
            log.write(f"{time.time():.6f}\t{text}\n")
            reply = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self):
        # gettoken: any corp id and secret get a token (the benchmark measures the saga, not WeCom's sign-in).
        reply = b'{"errcode":0,"errmsg":"ok","access_token":"benchmark-token","expires_in":7200}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    # The socketserver default backlog of 5 drops the SYNs of a sender opening dozens of connections at once, and each
    # dropped one costs a second-long retransmit: the benchmark would measure that.
    request_queue_size = 256
    daemon_threads = True


Server(("127.0.0.1", port), Robot).serve_forever()

#!/usr/bin/env python3
"""A WeCom group-robot stand-in for benchmarks: answers POST /cgi-bin/webhook/send like WeCom
({"errcode":0,"errmsg":"ok"}) and appends "<unix time>\t<body>" per request to a log file.
Usage: wecom_standin.py PORT LOGFILE"""
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
log = open(log_path, "a", buffering=1, encoding="utf-8")


class Robot(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        log.write(f"{time.time():.6f}\t{body.decode('utf-8', 'replace').replace(chr(10), ' ')}\n")
        reply = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Robot).serve_forever()

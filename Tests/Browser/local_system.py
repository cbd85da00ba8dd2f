#!/usr/bin/env python3
"""Starts the six SalesDesk executables against a fresh database and vhost, for trying the web app by hand
and running story.py outside the Swift test. It does what Tests/Support/SalesDeskSystem.swift does.

    source /work/test-env.sh   # or scripts/test's variables: SALESDESK_TEST_POSTGRES_URL, _AMQP_URL, _RABBITMQCTL
    SALESDESK_BIN_DIR=... python3 Tests/Browser/local_system.py [--port 18080] [--web-root Services/Gateway/Web]

It prints the gateway URL and the admin password, runs until interrupted (Ctrl-C or SIGTERM), then stops the
services, drops the database and deletes the vhost.
"""
import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

SERVICES = ["customers", "deals", "approvals", "notifications", "reporting", "gateway"]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ADMIN_PASSWORD = "salesdesk-admin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is not set (source /work/test-env.sh or run under scripts/test)")
    return value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0, help="gateway port (default: a free one)")
    parser.add_argument("--web-root", default=os.path.join(ROOT, "Services/Gateway/Web"))
    parser.add_argument("--logs", default=None)
    args = parser.parse_args()

    admin_url = require("SALESDESK_TEST_POSTGRES_URL")
    amqp_url = urllib.parse.urlsplit(require("SALESDESK_TEST_AMQP_URL"))
    rabbitmqctl = require("SALESDESK_TEST_RABBITMQCTL")
    bin_dir = require("SALESDESK_BIN_DIR")
    pg = urllib.parse.urlsplit(admin_url)

    suffix = secrets.token_hex(6)
    database = vhost = f"web_{suffix}"
    logs = args.logs or f"/tmp/salesdesk-{database}"
    os.makedirs(logs, exist_ok=True)

    roles = ", ".join(SERVICES)
    subprocess.run(["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", f"CREATE DATABASE {database}",
                    "-c", f"GRANT CONNECT, CREATE ON DATABASE {database} TO {roles}"], check=True)
    subprocess.run(f"{rabbitmqctl} -q add_vhost {vhost}", shell=True, check=True)
    subprocess.run(f"{rabbitmqctl} -q set_permissions -p {vhost} {amqp_url.username} '.*' '.*' '.*'", shell=True, check=True)
    subprocess.run([os.path.join(ROOT, "deploy/rabbitmq/service-users"), vhost], check=True,
                   env={**os.environ, "RABBITMQCTL": rabbitmqctl}, stdout=subprocess.DEVNULL)

    ports = {s: free_port() for s in SERVICES}
    if args.port:
        ports["gateway"] = args.port
    jwt_secret = secrets.token_hex(32)
    rpc_key = secrets.token_hex(32)
    processes = {}

    def stop(*_):
        for p in processes.values():
            if p.poll() is None:
                p.terminate()
        deadline = time.time() + 10
        for p in processes.values():
            while p.poll() is None and time.time() < deadline:
                time.sleep(0.05)
            if p.poll() is None:
                p.kill()
        subprocess.run(["psql", admin_url, "-q", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
        subprocess.run(f"{rabbitmqctl} -q delete_vhost {vhost}", shell=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for service in SERVICES:
            amqp = amqp_url._replace(netloc=f"{service}:salesdesk-{service}@{amqp_url.hostname}:{amqp_url.port}",
                                     path="/" + vhost).geturl()
            env = {**os.environ,
                   "AMQP_URL": amqp,
                   "POSTGRES_URL": f"postgres://{service}:salesdesk-{service}@{pg.hostname}:{pg.port}/{database}",
                   "HTTP_PORT": str(ports[service]), "LOG_LEVEL": "info", "RPC_TIMEOUT_MS": "3000",
                   "SALESDESK_ADMIN_PASSWORD": ADMIN_PASSWORD, "JWT_SECRET": jwt_secret, "RPC_IDENTITY_KEY": rpc_key,
                   "SALESDESK_WEB_ROOT": args.web_root}
            log = open(os.path.join(logs, f"{service}.log"), "w")
            processes[service] = subprocess.Popen([os.path.join(bin_dir, service)], env=env, stdout=log, stderr=log)
        for service in SERVICES:
            deadline = time.time() + 60
            while True:
                try:
                    if urllib.request.urlopen(f"http://127.0.0.1:{ports[service]}/ready", timeout=2).status == 200:
                        break
                except Exception:
                    pass
                if processes[service].poll() is not None or time.time() > deadline:
                    print(f"{service} did not get ready; see {logs}/{service}.log", file=sys.stderr)
                    stop()
                time.sleep(0.1)
        print(f"gateway http://127.0.0.1:{ports['gateway']}  admin/{ADMIN_PASSWORD}  logs {logs}  database {database}",
              flush=True)
        while all(p.poll() is None for p in processes.values()):
            time.sleep(1)
        print("a service exited; stopping", file=sys.stderr)
    finally:
        stop()


if __name__ == "__main__":
    main()

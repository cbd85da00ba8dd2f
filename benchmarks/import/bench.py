#!/usr/bin/env python3
"""Imports a customer file through a running SalesDesk gateway and reports rows/s (issue 10). A measurement, not a
test: it asserts nothing.

  bench.py --base-url http://127.0.0.1:8080 --password salesdesk-admin FILE [FILE …]

Signs in as admin, makes sure the region the files use exists, then for each file: POST /api/v1/customers/imports,
polls the job every 100 ms until it finishes, and prints the rows, the seconds from upload to finished, rows/s and the
job's counts. The upload's own time is included.
"""
import argparse
import json
import os
import time
import urllib.error
import urllib.request


def call(base, method, path, token=None, body=None, content_type="application/json", key=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = content_type
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if content_type == "application/json" and body is not None else body
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default="http://127.0.0.1:8080")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default=os.environ.get("SALESDESK_ADMIN_PASSWORD", "salesdesk-admin"))
    parser.add_argument("--region", default="east-china")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    status, login = call(base, "POST", "/api/v1/auth/login", body={"username": args.username, "password": args.password})
    if status != 200:
        raise SystemExit(f"login: {status} {login}")
    token = login["accessToken"]
    status, _ = call(base, "POST", "/api/v1/regions", token, {"code": args.region, "name": "华东"}, key=f"bench-region-{args.region}")
    print(f"region {args.region}: HTTP {status}")
    print("| file | rows | seconds (upload → finished) | rows/s | created | updated | unchanged | duplicates | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args.files:
        with open(path, "rb") as f:
            content = f.read()
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if path.endswith(".xlsx") else "text/csv"
        started = time.monotonic()
        status, job = call(base, "POST", "/api/v1/customers/imports", token, content, kind, key=f"bench-{os.path.basename(path)}-{time.time()}")
        if status != 202:
            raise SystemExit(f"{path}: HTTP {status} {job}")
        while job["status"] in ("queued", "running"):
            time.sleep(0.1)
            status, job = call(base, "GET", f"/api/v1/customers/imports/{job['id']}", token)
        seconds = time.monotonic() - started
        rows = job["totalRows"]
        print(f"| {os.path.basename(path)} ({len(content) / 1e6:.1f} MB) | {rows} | {seconds:.1f} | {rows / seconds:.0f} | "
              f"{job['created']} | {job['updated']} | {job['unchanged']} | {job['duplicates']} | {job['errors']} |", flush=True)
        if job["status"] != "succeeded":
            print(f"  job {job['status']}: {job.get('failure')}")


if __name__ == "__main__":
    main()

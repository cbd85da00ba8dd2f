#!/usr/bin/env python3
"""The approval saga under load, open loop: contracts are submitted through the gateway at a fixed arrival rate (not N
in flight), each timed from its scheduled submit until the WeCom stand-in receives the push for its first approval
step (deals → contract.submitted → approvals → step_assigned → notifications → WeCom). Timing from the schedule, not
from when a busy client got round to it, keeps a slow system from hiding its queueing (coordinated omission).
Each contract has its own deal (a submit locks its deal). Prints the rate reached, p50/p99/max from submit to push, how
many submits started late and how many failed (the first failure's answer).
Usage: saga.py GATEWAY_URL ADMIN_TOKEN WECOM_LOG [rate per second=200] [seconds=60]"""
import json
import random
import re
import statistics
import string
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

gateway, admin, wecom_log = sys.argv[1], sys.argv[2], sys.argv[3]
rate = float(sys.argv[4]) if len(sys.argv) > 4 else 200.0
seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
count = max(1, int(rate * seconds))


def call(method, path, token, body=None, expect=(200, 201)):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(gateway + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    if status not in expect:
        raise RuntimeError(f"{method} {path}: {status} {text[:300]!r}")
    return json.loads(text) if text else {}


def login(username, password):
    request = urllib.request.Request(
        gateway + "/api/v1/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["accessToken"]


def until(method, path, token, body=None):
    deadline = time.time() + 30
    while True:
        try:
            return call(method, path, token, body)
        except RuntimeError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


suffix = "".join(random.choices(string.ascii_lowercase, k=6))
region = f"bench-{suffix}"
call("POST", "/api/v1/regions", admin, {"code": region, "name": "基准"})
password = "bench-password"
supervisor = call("POST", "/api/v1/users", admin, {"username": f"sup{suffix}", "displayName": "主管", "password": password,
                                                   "role": "supervisor", "region": region, "mobile": "13911112222",
                                                   "wecomUserId": f"sup{suffix}"})
call("POST", "/api/v1/users", admin, {"username": f"rep{suffix}", "displayName": "业务员", "password": password, "role": "rep",
                                     "region": region, "supervisorId": supervisor["id"]})
rep = login(f"rep{suffix}", password)
product = call("POST", "/api/v1/products", admin, {"name": "基准件", "productLine": "bench", "listPriceFen": 100_000,
                                                  "unitCostFen": 60_000})
customer = call("POST", "/api/v1/customers", rep, {"name": "基准客户", "region": region, "industry": "bench",
                                                  "contacts": [{"name": "王", "phone": "138" + "".join(random.choices(string.digits, k=8))}],
                                                  "confirmDuplicate": True})
until("POST", "/api/v1/deals", rep, {"customerId": customer["id"], "title": "saga warm-up", "expectedAmountFen": 1_000_000,
                                    "expectedCloseDate": "2026-12-31"})


def prepare(_):
    """A deal of its own for each contract, as in life: a submit locks its deal, so contracts of one deal queue."""
    deal = call("POST", "/api/v1/deals", rep, {"customerId": customer["id"], "title": "saga", "expectedAmountFen": 1_000_000,
                                               "expectedCloseDate": "2026-12-31"})
    quote = call("POST", f"/api/v1/deals/{deal['id']}/quotes", rep, {"lines": [{"productId": product["id"], "quantity": 10}]})
    return call("POST", "/api/v1/contracts", rep, {"quoteId": quote["id"]})


with ThreadPoolExecutor(16) as pool:
    contracts = list(pool.map(prepare, range(count)))

submitted = {}
late = []
failed = []


def submit(index, contract):
    scheduled = begin + index / rate
    pause = scheduled - time.time()
    if pause > 0:
        time.sleep(pause)
    elif pause < -0.005:
        late.append(-pause)
    try:
        call("POST", f"/api/v1/contracts/{contract['id']}/submit", rep)
    except (RuntimeError, OSError) as error:
        failed.append(str(error)[:200])
        return
    submitted[contract["number"]] = scheduled


# Enough threads that a submit never waits for a free one at this rate unless a request takes over a second.
begin = time.time() + 1
with ThreadPoolExecutor(max(16, int(rate))) as pool:
    list(pool.map(submit, range(count), contracts))
submit_seconds = time.time() - begin

pushed = {}
deadline = time.time() + 120 + seconds
pattern = re.compile(r"HT-\d{4}-\d{6,}")
while len(pushed) < len(submitted) and time.time() < deadline:
    with open(wecom_log, encoding="utf-8") as log:
        for line in log:
            at, _, body = line.partition("\t")
            if at == "45009":  # refused by a throttling stand-in, not delivered
                continue
            for number in pattern.findall(body):
                if number in submitted and number not in pushed:
                    pushed[number] = float(at)
    time.sleep(0.2)

latencies = sorted((pushed[n] - submitted[n]) * 1000 for n in pushed) or [float("nan")]
elapsed = max(pushed.values()) - min(submitted.values()) if pushed else float("nan")
print(f"saga_contracts={count}")
print(f"saga_pushed={len(pushed)}")
print(f"saga_submit_seconds={submit_seconds:.2f}")
print(f"saga_contracts_per_second={len(pushed) / elapsed:.1f}")
print(f"saga_p50_ms={statistics.median(latencies):.0f}")
print(f"saga_p99_ms={latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]:.0f}")
print(f"saga_max_ms={latencies[-1]:.0f}")
print(f"saga_rate={rate:g}")
print(f"saga_late_submits={len(late)}")
print(f"saga_failed_submits={len(failed)}")
if failed:
    print(f"saga_first_failure={failed[0]}")

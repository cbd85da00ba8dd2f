#!/bin/bash
# Latency of GET requests through the gateway of a running system, one request after another (closed loop, one
# connection: the time of one request, not a throughput):
#   benchmarks/latency.sh USER PASSWORD N PATH...     e.g. benchmarks/latency.sh demo-gm Demo-2026-SalesDesk 100 /api/v1/reports/funnel
# Signs in as USER, sends each PATH three times to warm up, then N times (or as many as fit in LATENCY_BUDGET_SECONDS),
# and prints a Markdown row per PATH: the status, the count, p50, p99 and max of curl's time_total in ms, and the size.
set -uo pipefail
user=$1; password=$2; n=$3; shift 3
base=${SALESDESK_GATEWAY_URL:-http://127.0.0.1:8080}
token=$(curl -s -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"$password\"}" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["accessToken"])' 2>/dev/null)
[[ -n $token ]] || { echo "| sign-in as $user failed | | | | | | |"; exit 0; }
for path in "$@"; do
    for _ in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer $token" "$base$path"; done
    read -r status size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' -H "Authorization: Bearer $token" "$base$path")
    started=$SECONDS
    for _ in $(seq "$n"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base$path"
        # A slow path gets LATENCY_BUDGET_SECONDS (default 30), not N requests: the row says how many it got.
        ((SECONDS - started < ${LATENCY_BUDGET_SECONDS:-30})) || break
    done | sort -n | python3 -c "
import sys
v = [float(x) * 1000 for x in sys.stdin]
n = len(v)
p = lambda q: v[min(n - 1, int(q * n))]
print('| %s | \`%s\` | %s | %d | %.1f | %.1f | %.1f | %s B |' % ('$user', '$path', '$status', n, p(0.5), p(0.99), v[-1], '$size'))"
done

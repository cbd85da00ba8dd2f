#!/bin/bash
# Latency of GET requests through the gateway of a running system (scripts/run; demo users from seed-demo):
#   report_latency.sh USER N PATH...     e.g. report_latency.sh demo-gm 30 /api/v1/reports/funnel
# logs in as USER (password Demo-2026-SalesDesk), sends each PATH twice to warm up, then N times one after another,
# and prints a Markdown row per PATH: status, N, p50, p99 and max of curl's time_total in ms.
user=$1; n=$2; shift 2
base=http://127.0.0.1:8080
token=$(curl -s -X POST $base/api/v1/auth/login -H 'Content-Type: application/json' \
  -d "{\"username\":\"$user\",\"password\":\"Demo-2026-SalesDesk\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["accessToken"])')
[ -n "$token" ] || { echo "login failed"; exit 1; }
for path in "$@"; do
  for i in 1 2; do curl -s -o /dev/null -H "Authorization: Bearer $token" "$base$path"; done
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$path")
  for i in $(seq $n); do curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base$path"; done | sort -n | python3 -c "
import sys; v=[float(x)*1000 for x in sys.stdin]; n=len(v)
p=lambda q: v[min(n-1, int(q*n))]
print('| \`%s\` | %s | %d | %.1f | %.1f | %.1f |' % ('$path', '$status', n, p(0.5), p(0.99), v[-1]))"
done

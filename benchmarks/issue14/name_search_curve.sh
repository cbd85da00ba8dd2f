#!/bin/bash
# The customer name search at 10k, 100k and 1M synthetic customers (set up by name_search_curve_setup.sql in a scratch
# database that has customers migration 0011's `customers.name_grams` and pg_trgm): the list query as the customers
# service sends it, EXPLAIN ANALYZE seven times, median and max of the server-side execution time, and the plan's scans.
#   name_search_curve.sh DATABASE_URL [before|after]     before = without the GIN indexes (bitmap scans off)
set -euo pipefail
db=$1
mode=${2:-after}
for n in 10000 100000 1000000; do
    for q in 华 盛泰 苏州华 恒达模 有限公司 ''; do
        if [[ -z $q ]]; then
            where="true"
            label="(no q)"
        else
            where="name ILIKE '%$q%' AND (char_length(lower('$q')) NOT IN (1, 2) OR customers.name_grams(name) @> ARRAY[lower('$q')])"
            label=$q
        fi
        pre="SET search_path TO curve_$n;"
        [[ $mode == before ]] && pre="$pre SET enable_bitmapscan = off;"
        sql="SELECT id, name FROM customers WHERE $where AND merged_into IS NULL ORDER BY created_at DESC, id DESC LIMIT 51"
        times=$(for _ in 1 2 3 4 5 6 7; do
            psql "$db" -Atc "$pre" -c "EXPLAIN (ANALYZE, COSTS OFF) $sql" | awk '/Execution Time/ {print $3}'
        done | sort -n | awk '{v[NR] = $1} END {printf "%.2f / %.2f", v[4], v[7]}')
        plan=$(psql "$db" -Atc "$pre" -c "EXPLAIN (COSTS OFF) $sql" \
            | grep -oE "(Seq Scan|Index Scan using [a-z_0-9]+|Bitmap Index Scan on [a-z_0-9]+)" | head -2 | paste -sd ';')
        printf "| %s | %s | %s | %s ms | %s |\n" "$mode" "$n" "$label" "$times" "$plan"
    done
done

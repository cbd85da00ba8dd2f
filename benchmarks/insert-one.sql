-- pgbench custom script: issue 14's yardstick for POST /customers, one single-row INSERT transaction with synchronous
-- commit (the server's default), run at the gateway benchmark's concurrency by benchmarks/run.
INSERT INTO bench_rows (id, body) VALUES (gen_random_uuid(), '{"name":"基准客户","region":"east-china"}');

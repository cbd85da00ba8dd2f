-- Synthetic customers for name_search_curve.sh: schemas curve_10000, curve_100000, curve_1000000 in a scratch
-- database where pg_trgm and customers migration 0011's customers.name_grams exist, each with the customers list's
-- keyset index and 0011's two GIN indexes. A name is a city, two characters of 90, a trade and a suffix, so one
-- character occurs in about 2.5 % of names. Run with psql -f (about 3 minutes on 2 busy cores).
\set ON_ERROR_STOP 1
CREATE OR REPLACE FUNCTION public.pick(pool text, seed bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT substr(pool, 1 + (abs(hashint8(seed)) % char_length(pool))::int, 1) $$;
DO $$
DECLARE n bigint; s text;
BEGIN
  FOREACH n IN ARRAY ARRAY[10000, 100000, 1000000] LOOP
    s := 'curve_' || n;
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE; CREATE SCHEMA %I', s, s);
    EXECUTE format($f$CREATE TABLE %I.customers AS
      SELECT gen_random_uuid() AS id,
        (ARRAY['上海','苏州','杭州','宁波','无锡','南京','常州','温州','绍兴','嘉兴','合肥','济南','青岛','天津','北京','广州','深圳','东莞','佛山','厦门'])[1 + (abs(hashint8(i)) %% 20)::int]
        || public.pick('华永金盛泰鑫宏昌嘉博瑞联创德信恒达安丰源隆兴裕富中天新光明远通海龙凯美和宝利成汇祥康欣越立诚正润锦晨辉星腾飞翔骏豪力峰岳川江河湖林森松柏竹梅兰菊春夏秋冬东南西北', i * 2 + 1)
        || public.pick('华永金盛泰鑫宏昌嘉博瑞联创德信恒达安丰源隆兴裕富中天新光明远通海龙凯美和宝利成汇祥康欣越立诚正润锦晨辉星腾飞翔骏豪力峰岳川江河湖林森松柏竹梅兰菊春夏秋冬东南西北', i * 2 + 2)
        || (ARRAY['机械','五金','模具','电子','注塑','纺织','电机','阀门','泵业','精密'])[1 + (abs(hashint8(i * 7)) %% 10)::int]
        || (ARRAY['有限公司','制造有限公司','科技有限公司'])[1 + (abs(hashint8(i * 13)) %% 3)::int] AS name,
        now() - make_interval(secs => i) AS created_at,
        NULL::uuid AS merged_into
      FROM generate_series(1, %s) AS i$f$, s, n);
    EXECUTE format('CREATE INDEX ON %I.customers (created_at DESC, id DESC)', s);
    EXECUTE format('CREATE INDEX ON %I.customers USING gin (name public.gin_trgm_ops)', s);
    EXECUTE format('CREATE INDEX ON %I.customers USING gin (customers.name_grams(name))', s);
    EXECUTE format('ALTER TABLE %I.customers SET (parallel_workers = 0)', s);
    EXECUTE format('ANALYZE %I.customers', s);
  END LOOP;
END $$;

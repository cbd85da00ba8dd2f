-- Issue 14: the funnel and the conversion cohorts count deals by the deepest funnel stage each reached, kept on the
-- deal's row (written by SalesReportsRepository.refreshFunnelStage with Funnel.deepestStage, the rule's one home),
-- instead of gathering every deal's stages and contracts per request, which took seconds at 100,000 deals.
ALTER TABLE deal_projection ADD COLUMN funnel_stage text NOT NULL DEFAULT 'lead'
    CHECK (funnel_stage IN ('lead', 'qualified', 'quoted', 'contract', 'won'));

-- The rows already there, by the same rule as Funnel.deepestStage (reached delivered or paid, or a contract signed:
-- won; else the deepest of contract, quoted, qualified; else lead).
UPDATE deal_projection d SET funnel_stage = CASE
        WHEN EXISTS (SELECT 1 FROM signed_contracts c WHERE c.deal_id = d.deal_id)
          OR EXISTS (SELECT 1 FROM deal_stages s WHERE s.deal_id = d.deal_id AND s.stage IN ('delivered', 'paid')) THEN 'won'
        WHEN EXISTS (SELECT 1 FROM deal_stages s WHERE s.deal_id = d.deal_id AND s.stage = 'contract') THEN 'contract'
        WHEN EXISTS (SELECT 1 FROM deal_stages s WHERE s.deal_id = d.deal_id AND s.stage = 'quoted') THEN 'quoted'
        WHEN EXISTS (SELECT 1 FROM deal_stages s WHERE s.deal_id = d.deal_id AND s.stage = 'qualified') THEN 'qualified'
        ELSE 'lead' END;

-- The funnel and the cohorts read a period's deals and their stage from the index alone.
CREATE INDEX deal_projection_funnel_idx ON deal_projection (created_at) INCLUDE (funnel_stage, owner_id, region);

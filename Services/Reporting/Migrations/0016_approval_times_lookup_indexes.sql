-- Issue 14: the approval-time histogram's triggers (migration 0014) look up the approvals of a contract when its
-- contract.submitted arrives (and of a submitter when their region changes). Without an index each lookup read every
-- approval_times row: 3.5 s per contract.submitted at a million approvals, so reporting fell far behind a burst of
-- submissions.
CREATE INDEX approval_times_contract_idx ON approval_times (contract_id);
CREATE INDEX approval_times_submitter_idx ON approval_times (submitter_id);

-- Issue 11: a contract may run for a term; its end date (Asia/Shanghai day) drives the renewal reminder (续约提醒).
ALTER TABLE contracts ADD COLUMN ends_on date;

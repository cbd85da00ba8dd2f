-- Issue 12: the holiday calendar. Public holidays (days off) and make-up workdays (调休, worked weekend days),
-- maintained by admins through /api/v1/calendar/days and published as calendar.day_set / calendar.day_removed, so the
-- services that count working days keep a replica (the kit's calendar_replica).
--
-- kind is NULL once an admin removed the day's override: the row keeps the day's version, which is the sequence of
-- its events, so a replica never applies an older event over a newer one.
CREATE TABLE calendar_days (
    day date PRIMARY KEY,
    kind text CHECK (kind IN ('holiday', 'workday')),
    name text NOT NULL DEFAULT '',
    version bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The official 2026 calendar (国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号), as written out with its
-- source in Shared/Contracts/CalendarEvents.swift (OfficialHolidays.year2026). Kit migration kit_0007_timers has just
-- seeded this schema's calendar_replica from that list at version 0; copying it keeps one written copy of the list,
-- and every service's replica starts equal to this table without an event.
INSERT INTO calendar_days (day, kind, name, version)
SELECT day, kind, name, 0 FROM calendar_replica WHERE kind IS NOT NULL;

-- Events by category (issue 20), as SQLite's migration 0016: a category filter, alone or with a
-- time window or a status, is counted by an index-only scan of this index instead of reading
-- the events of every category (index-only once VACUUM has set the visibility map, which a
-- first load by `eventmap import` does; see docs/DEPLOYMENT.md).
CREATE INDEX events_by_category ON events (category, t_start) INCLUDE (t_day, t_max, status) WHERE deleted = 0;

-- The redirect hops of a capture (issue 21): the column of migrations/sqlite/0011_capture_hops.sql,
-- a JSON array of {url, status, headers, sha256, bytes, at}; NULL when the URL answered itself.
ALTER TABLE captures ADD COLUMN hops text;

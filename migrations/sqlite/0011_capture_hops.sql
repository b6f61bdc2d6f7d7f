-- The redirect hops of a capture (issue 21): each answer on the way to final_url, in order, as
-- a JSON array of {url, status, headers: [[name, value], ...], sha256, bytes, at (ms)}; NULL
-- when the URL answered itself. A hop's body, unless empty, is kept in capture_blobs under its
-- sha256, like the capture's own bytes, so backup and copy carry it.
ALTER TABLE captures ADD COLUMN hops TEXT CHECK (hops IS NULL OR json_valid(hops));

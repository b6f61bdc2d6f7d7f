-- The person a token belongs to, shown in history instead of the token's name (as on SQLite).
ALTER TABLE tokens ADD COLUMN person text;

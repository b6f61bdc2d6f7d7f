-- The person a token belongs to, shown in history instead of the token's name.
ALTER TABLE tokens ADD COLUMN person TEXT;

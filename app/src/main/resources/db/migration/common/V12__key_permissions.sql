-- What Bitget says of each key (GET /api/v2/spot/account/info), asked by keys add / import --verify /
-- verify and by watch at start: permissions are Bitget's `authorities` codes, comma-separated, kept as
-- data (which codes exist is not documented); bound_ips are the addresses the key is bound to ('' for
-- none: usable from anywhere). NULL: never asked. Neither is a secret.
ALTER TABLE user_exchange_keys ADD COLUMN permissions TEXT;
ALTER TABLE user_exchange_keys ADD COLUMN bound_ips TEXT;
ALTER TABLE user_exchange_keys ADD COLUMN key_checked_at TEXT;

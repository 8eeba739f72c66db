-- API keys of the users whose Bitget accounts stopguard guards. The runbook queries
-- `SELECT user_id, exchange_name, is_active FROM user_exchange_keys WHERE exchange_name='bitget'`.
-- Secrets and passphrases are AES-256-GCM ciphertexts (see SecretBox); never plain text.
CREATE TABLE user_exchange_keys (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id        TEXT    NOT NULL,
  exchange_name  TEXT    NOT NULL,
  api_key        TEXT    NOT NULL,
  api_secret_enc TEXT    NOT NULL,
  passphrase_enc TEXT    NOT NULL,
  is_active      INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  demo_trading   INTEGER NOT NULL DEFAULT 0 CHECK (demo_trading IN (0, 1)),
  created_at     TEXT    NOT NULL,
  updated_at     TEXT    NOT NULL,
  UNIQUE (exchange_name, api_key)
);

CREATE INDEX user_exchange_keys_active ON user_exchange_keys (exchange_name, is_active);

-- Risk flags as the runbook reads them:
-- `SELECT * FROM risk_flags WHERE flag='bitget_stoploss_missing';` → value 1 while a position is bare.
CREATE TABLE risk_flags (
  flag       TEXT    PRIMARY KEY,
  value      INTEGER NOT NULL CHECK (value IN (0, 1)),
  updated_at TEXT    NOT NULL,
  detail     TEXT
);

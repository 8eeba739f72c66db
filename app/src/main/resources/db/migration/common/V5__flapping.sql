-- Positions whose stop keeps disappearing (3 bare episodes within the flap window): while a row
-- is here, per-episode alerts are held back; one alert said it started, one says when it settles.
CREATE TABLE flapping (
  user_id       TEXT    NOT NULL,
  exchange_name TEXT    NOT NULL DEFAULT 'bitget',
  symbol        TEXT    NOT NULL,
  hold_side     TEXT    NOT NULL,
  since         TEXT    NOT NULL,
  episodes      INTEGER NOT NULL,
  last_at       TEXT    NOT NULL,
  PRIMARY KEY (user_id, exchange_name, symbol, hold_side)
);

-- Facts about the store itself. 'master_key_id': an identifier of the master key that seals the
-- keys (an HMAC of a constant under the key, never the key): a host with another master key
-- refuses to write keys instead of re-encrypting rows nobody else can then open.
CREATE TABLE store_meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

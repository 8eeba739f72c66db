package io.stopguard.store;

/** A lock every process using the store sees ({@link Store#tryExclusive}); closing releases it. */
public interface ExclusiveLock extends AutoCloseable {
  /**
   * Whether it is still held. A PostgreSQL advisory lock lives as long as its session: a dropped
   * connection (a database restart, a network cut) releases it without telling the holder, so a
   * holder asks now and then.
   */
  boolean held();

  @Override
  void close();

  /** Always held: SQLite lives on one host, where callers lock the home instead. */
  ExclusiveLock LOCAL = new ExclusiveLock() {
    @Override
    public boolean held() {
      return true;
    }

    @Override
    public void close() {}
  };
}

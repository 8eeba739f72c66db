package io.stopguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stopguard.cli.Sqlite3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaTest {
  @TempDir Path dir;

  private Store open(Path db) {
    return Store.open(db, SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
  }

  @Test
  void theBinarysLatestVersionIsTheHighestMigrationFile() throws Exception {
    Pattern v = Pattern.compile("V(\\d+)__.*\\.sql");
    int highest;
    try (Stream<Path> files = Files.walk(Path.of("src/main/resources/db/migration"))) {
      highest = files.map(p -> v.matcher(p.getFileName().toString())).filter(Matcher::matches)
          .mapToInt(m -> Integer.parseInt(m.group(1))).max().orElseThrow();
    }
    assertThat(Schema.LATEST).isEqualTo(highest);
  }

  @Test
  void aNewDatabaseIsMigratedToTheLatestVersionAndReopeningItRunsNoMigration() throws Exception {
    Path db = dir.resolve("trading.db");
    open(db).close();
    assertThat(Sqlite3.query(db, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1"))
        .isEqualTo(String.valueOf(Schema.LATEST));
    String history = Sqlite3.query(db, "SELECT count(*) FROM flyway_schema_history");
    open(db).close();
    assertThat(Sqlite3.query(db, "SELECT count(*) FROM flyway_schema_history")).isEqualTo(history);
  }

  @Test
  void aDatabaseBehindTheBinaryIsBroughtUpToDate() throws Exception {
    Path db = dir.resolve("trading.db");
    open(db).close();
    // Roll the newest migration back by hand, as an older stopguard would have left the file.
    Sqlite3.query(db, "ALTER TABLE fleet_instances DROP COLUMN version;"
        + " DELETE FROM flyway_schema_history WHERE version = '" + Schema.LATEST + "'");
    open(db).close();
    assertThat(Sqlite3.query(db, "SELECT count(*) FROM pragma_table_info('fleet_instances') WHERE name = 'version'"))
        .isEqualTo("1");
  }

  @Test
  void aDatabaseWrittenByANewerStopguardIsRefusedAndLeftAlone() throws Exception {
    Path db = dir.resolve("trading.db");
    open(db).close();
    Sqlite3.query(db, "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
        + " installed_by, installed_on, execution_time, success) VALUES (99, '" + (Schema.LATEST + 1)
        + "', 'future', 'SQL', 'V9__future.sql', 0, 'x', CURRENT_TIMESTAMP, 0, 1);"
        + " UPDATE store_meta SET value = '" + (Schema.LATEST + 1) + "' WHERE name = 'readable_from'");
    String before = Sqlite3.query(db, ".dump");
    assertThatThrownBy(() -> open(db)).isInstanceOf(StoreException.class)
        .hasMessageContaining("schema version " + (Schema.LATEST + 1))
        .hasMessageContaining("newer than this stopguard");
    assertThat(Sqlite3.query(db, ".dump")).isEqualTo(before);
  }
}

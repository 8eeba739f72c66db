package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The worked vectors of ../shared/research/bitget-v2-api.md §7 (ccxt 4.5.84 and Node crypto agree). */
class SignerTest {
  static final String SECRET = "test_secret_0123456789";
  static final String TS = "1732406400000";

  @ParameterizedTest(name = "vector {index}: {1}")
  @CsvSource(delimiter = '|', value = {
      "GET|/api/v2/mix/position/all-position|marginCoin=USDT&productType=USDT-FUTURES|YC4EueSD5ZlND82muKz1W/Y6sRU4LNHN7m4JJYuGWEY=",
      "GET|/api/v2/mix/order/orders-plan-pending|planType=profit_loss&productType=USDT-FUTURES|6jledGGONBV5xo2RxmWlrVzukeK4gqbkf6KRaHPlvgs=",
  })
  void getVectors(String method, String path, String query, String expected) {
    String preHash = Signer.preHash(TS, method, path, query, null);
    assertThat(preHash).isEqualTo(TS + method + path + "?" + query);
    assertThat(Signer.sign(SECRET, preHash)).isEqualTo(expected);
  }

  @Test
  void placeTpslVector() {
    String body = "{\"marginCoin\":\"USDT\",\"productType\":\"usdt-futures\",\"symbol\":\"DASHUSDT\",\"planType\":\"pos_loss\","
        + "\"triggerPrice\":\"70.43\",\"triggerType\":\"mark_price\",\"holdSide\":\"sell\",\"clientOid\":\"sg-1\"}";
    String preHash = Signer.preHash(TS, "post", "/api/v2/mix/order/place-tpsl-order", "", body);
    assertThat(Signer.sign(SECRET, preHash)).isEqualTo("78p26VBftHLTak6E1i1tcjjaX0abaA5v2Wme+wumdm8=");
  }

  @Test
  void cancelPlanVector() {
    String body = "{\"productType\":\"USDT-FUTURES\",\"symbol\":\"DASHUSDT\",\"orderIdList\":[{\"orderId\":\"1234567890\"}],"
        + "\"planType\":\"pos_loss\"}";
    String preHash = Signer.preHash(TS, "POST", "/api/v2/mix/order/cancel-plan-order", null, body);
    assertThat(Signer.sign(SECRET, preHash)).isEqualTo("06a09xmCdSzlv2RgyqqzhjQAGDRgkE5o4WcnHr8fMn4=");
  }

  @Test
  void webSocketLoginVector() {
    assertThat(Signer.signWebSocketLogin(SECRET, "1732406400")).isEqualTo("xU36ltV01lWre0CDIugK7A1psZqprtKJBPCNY5fIwZ0=");
  }

  @Test
  void credentialsNeverPrintSecrets() {
    Credentials c = new Credentials("bg_test_key", SECRET, "test_pass");
    assertThat(c.toString()).doesNotContain(SECRET).doesNotContain("test_pass").contains("bg_t****");
  }

  /** Signatures share one prototype Mac (cloned per signature): many threads at once sign exactly as one alone. */
  @Test
  void concurrentSignaturesAreEachTheirKeysOwn() throws Exception {
    java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
      for (int t = 0; t < 8; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2000; i++) {
            String secret = "secret-" + thread + "-" + i;
            String preHash = TS + "GET/api/v2/mix/position/all-position?n=" + i;
            javax.crypto.Mac reference = javax.crypto.Mac.getInstance("HmacSHA256");
            reference.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            String expected = java.util.Base64.getEncoder().encodeToString(
                reference.doFinal(preHash.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            if (!Signer.sign(secret, preHash).equals(expected)) return false;
          }
          return true;
        }));
      }
      for (var r : results) assertThat(r.get()).isTrue();
    }
  }
}

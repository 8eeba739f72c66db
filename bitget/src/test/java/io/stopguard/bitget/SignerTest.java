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
}

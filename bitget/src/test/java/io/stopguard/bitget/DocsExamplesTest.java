package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Responses shaped like the examples on Bitget's API pages parse into the client's types. */
class DocsExamplesTest {
  static String load(String name) throws IOException {
    try (InputStream in = DocsExamplesTest.class.getResourceAsStream("/bitget-docs/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void pendingPlanOrders() throws IOException {
    JsonNode data = Transport.decode(200, load("orders-plan-pending.json"), new TypeReference<JsonNode>() {});
    List<PlanOrder> orders = Transport.JSON.convertValue(data.get("entrustedList"), new TypeReference<>() {});
    assertThat(orders).hasSize(2);
    assertThat(orders.get(0).planType()).isEqualTo(PlanType.NORMAL_PLAN);
    assertThat(orders.get(0).holdSide()).isEqualTo(HoldSide.LONG);
    assertThat(orders.get(0).posMode()).isEqualTo(PosMode.HEDGE);
    PlanOrder sl = orders.get(1);
    assertThat(sl.planType()).isEqualTo(PlanType.POS_LOSS);
    assertThat(sl.size()).isNull(); // "" → absent
    assertThat(sl.triggerPrice()).isEqualByComparingTo("70.43");
    assertThat(sl.isFor("DASHUSDT")).isTrue();
    assertThat(data.get("endId").asText()).isEqualTo("123");
  }

  @Test
  void allPositions() throws IOException {
    List<Position> ps = Transport.decode(200, load("all-position.json"), new TypeReference<List<Position>>() {});
    assertThat(ps).singleElement().satisfies(p -> {
      assertThat(p.holdSide()).isEqualTo(HoldSide.LONG);
      assertThat(p.liquidationPrice()).isEqualByComparingTo("22736.7");
      assertThat(p.markPrice()).isEqualByComparingTo("24771");
      assertThat(p.total()).isEqualByComparingTo("0.001");
    });
  }

  @Test
  void contracts() throws IOException {
    List<Contract> cs = Transport.decode(200, load("contracts.json"), new TypeReference<List<Contract>>() {});
    assertThat(cs).singleElement().satisfies(c -> {
      assertThat(c.tickSize()).isEqualByComparingTo("0.1");
      assertThat(c.isValidPrice(new BigDecimal("24771.1"))).isTrue();
      assertThat(c.isValidPrice(new BigDecimal("24771.15"))).isFalse();
      assertThat(c.isValidSize(new BigDecimal("0.01"))).isTrue();
      assertThat(c.isValidSize(new BigDecimal("0.005"))).isFalse();
    });
  }

  @Test
  void placementAndCancel() throws IOException {
    assertThat(Transport.decode(200, load("place-tpsl-order.json"), new TypeReference<PlacedOrder>() {}).orderId())
        .isEqualTo("1");
    CancelResult r = Transport.decode(200, load("cancel-plan-order.json"), new TypeReference<CancelResult>() {});
    assertThat(r.successList()).extracting(CancelResult.Item::orderId).containsExactly("121212121212");
    assertThat(r.failureList()).isEmpty();
  }

  @Test
  void errorEnvelope() throws IOException {
    String body = load("error-40037.json");
    assertThatThrownBy(() -> Transport.decode(400, body, new TypeReference<JsonNode>() {}))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> {
          assertThat(e.code()).isEqualTo("40037");
          assertThat(e.kind()).isEqualTo(ErrorKind.BAD_KEY);
          assertThat(e.hint()).contains("keys add");
        });
  }
}

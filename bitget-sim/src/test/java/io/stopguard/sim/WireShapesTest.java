package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The answers the guard reads, field by field in the order of Bitget's own examples
 * (bitget/src/test/resources/bitget-docs: all-position.json, orders-plan-pending.json), every value
 * a string as Bitget sends it, and the sides and plan types by their wire names.
 */
class WireShapesTest {
  static final List<String> POSITION_FIELDS = List.of("marginCoin", "symbol", "holdSide", "openDelegateSize", "marginSize",
      "available", "locked", "total", "leverage", "achievedProfits", "openPriceAvg", "marginMode", "posMode", "unrealizedPL",
      "liquidationPrice", "keepMarginRate", "markPrice", "marginRatio", "breakEvenPrice", "totalFee", "deductedFee",
      "assetMode", "autoMargin", "takeProfit", "stopLoss", "takeProfitId", "stopLossId", "cTime", "uTime");
  static final List<String> PLAN_FIELDS = List.of("planType", "symbol", "size", "orderId", "clientOid", "price",
      "executePrice", "callbackRatio", "triggerPrice", "triggerType", "planStatus", "side", "posSide", "marginCoin",
      "marginMode", "enterPointSource", "tradeSide", "posMode", "orderType", "orderSource", "cTime", "uTime",
      "stopSurplusExecutePrice", "stopSurplusTriggerPrice", "stopSurplusTriggerType", "stopLossExecutePrice",
      "stopLossTriggerPrice", "stopLossTriggerType");

  SimServer sim;

  @AfterEach
  void stop() {
    if (sim != null) sim.close();
  }

  static List<String> fields(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  void positionsAndPlanOrdersHaveBitgetsFieldsInBitgetsOrderAsStrings() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FidelityTest.SCENARIO)), 0);
    Signed one = new Signed(sim.baseUrl(), "k1", "s1", "p1");
    Signed.Answer placed = one.post("/api/v2/mix/order/place-tpsl-order", FidelityTest.PLACE_SHORT_STOP.formatted("75.00",
        "mark_price", ""));
    assertThat(placed.code()).isEqualTo("00000");

    JsonNode position = one.get("/api/v2/mix/position/all-position?productType=USDT-FUTURES&marginCoin=USDT").data().get(0);
    assertThat(fields(position)).containsExactlyElementsOf(POSITION_FIELDS);
    assertThat(position.path("holdSide").asText()).isEqualTo("short");
    assertThat(position.path("stopLoss").asText()).isEqualTo("75.00");
    assertThat(position.path("stopLossId").asText()).isEqualTo(placed.data().path("orderId").asText());
    position.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());

    JsonNode page = one.get("/api/v2/mix/order/orders-plan-pending?productType=USDT-FUTURES&planType=profit_loss").data();
    assertThat(fields(page)).containsExactly("entrustedList", "endId");
    JsonNode plan = page.path("entrustedList").get(0);
    assertThat(fields(plan)).containsExactlyElementsOf(PLAN_FIELDS);
    assertThat(plan.path("planType").asText()).isEqualTo("pos_loss");
    assertThat(plan.path("posSide").asText()).isEqualTo("net");
    assertThat(plan.path("orderSource").asText()).isEqualTo("pos_loss_market");
    plan.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual()).as(e.getKey()).isTrue());

    JsonNode none = one.get("/api/v2/mix/order/orders-plan-pending?productType=USDT-FUTURES&planType=normal_plan").data();
    assertThat(none.path("entrustedList").isNull()).as("an empty page is null, as Bitget answers").isTrue();
    assertThat(none.path("endId").isNull()).isTrue();
  }

  @Test
  void contractsCarryTheModelsTickRulesAndTheAccountItsLeverageOnlyWhenASymbolIsAsked() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(FidelityTest.SCENARIO)), 0);
    Signed one = new Signed(sim.baseUrl(), "k1", "s1", "p1");
    JsonNode dash = one.get("/api/v2/mix/market/contracts?productType=USDT-FUTURES&symbol=DASHUSDT").data().get(0);
    assertThat(fields(dash)).startsWith("symbol", "baseCoin", "quoteCoin").contains("pricePlace", "maxLever")
        .endsWith("posLimit", "maintainTime");
    assertThat(dash.path("baseCoin").asText()).isEqualTo("DASH");
    assertThat(dash.path("supportMarginCoins").isArray()).isTrue();
    assertThat(dash.path("pricePlace").isTextual()).isTrue();

    JsonNode withSymbol = one.get("/api/v2/mix/account/account?productType=USDT-FUTURES&symbol=DASHUSDT&marginCoin=USDT").data();
    assertThat(fields(withSymbol)).startsWith("marginCoin", "crossedMarginLeverage", "isolatedLongLever", "isolatedShortLever");
    JsonNode listed = one.get("/api/v2/mix/account/accounts?productType=USDT-FUTURES").data().get(0);
    assertThat(fields(listed)).doesNotContain("crossedMarginLeverage").contains("posMode");
    assertThat(listed.path("posMode").asText()).isEqualTo("one_way_mode");
  }
}

package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The one-pass reading of the hot answers ({@link Transport#callTyped}) gives exactly what the tree
 * gives — the same values, or the same exception with the same message — for Bitget's documented
 * answers and for every odd shape we could think of; and it really is the path a plain success takes.
 */
class OnePassDecodeTest {
  static final ObjectReader POSITIONS = BitgetClient.POSITIONS;
  static final ObjectReader PLAN_PAGE = BitgetClient.PLAN_PAGE;
  static final Function<JsonNode, List<Position>> POSITIONS_FROM_TREE =
      data -> Transport.read(data, new TypeReference<List<Position>>() {});

  static final String POSITION = """
      {"marginCoin":"USDT","symbol":"BTCUSDT","holdSide":"long","total":"0.001","available":"0.001","leverage":"20",
       "openPriceAvg":"23830.5","marginMode":"isolated","posMode":"hedge_mode","liquidationPrice":"22736.7",
       "markPrice":"24771","breakEvenPrice":"","cTime":"1695717225146","uTime":"1695717225146"}""";

  /** What the decoding gave: the value, or the exception's type and message. */
  static Object outcome(java.util.function.Supplier<?> decode) {
    try {
      return decode.get();
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  static <T> void sameEitherWay(int status, String body, ObjectReader type, Function<JsonNode, T> fromTree) {
    Object tree = outcome(() -> fromTree.apply(Transport.unwrap("GET", "/p", status, body)));
    Object onePass = outcome(() -> Transport.decodeTyped("GET", "/p", status, body, type, fromTree));
    assertThat(onePass).as(body).isEqualTo(tree);
  }

  @Test
  void bitgetsDocumentedAnswersAreReadInOnePassToTheSameValues() throws IOException {
    String positions = DocsExamplesTest.load("all-position.json");
    assertThat(Transport.<List<Position>>onePass(200, positions, POSITIONS)).isNotNull().hasSize(1);
    sameEitherWay(200, positions, POSITIONS, POSITIONS_FROM_TREE);

    String plans = DocsExamplesTest.load("orders-plan-pending.json"); // data before msg, code first
    BitgetClient.PlanPage page = Transport.onePass(200, plans, PLAN_PAGE);
    assertThat(page).isNotNull();
    assertThat(page.entrustedList()).hasSize(2);
    assertThat(page.endId()).isEqualTo("123");
    assertThat(page).isEqualTo(BitgetClient.PlanPage.fromTree(Transport.unwrap("GET", "/p", 200, plans)));
  }

  @Test
  void everyOddShapeGivesWhatTheTreeGives() {
    List<String> bodies = List.of(
        "{\"data\":[" + POSITION + "],\"code\":\"00000\",\"msg\":\"success\"}", // data before code
        "{\"code\":\"00000\",\"data\":[]}",
        "{\"code\":\"00000\",\"data\":null}",
        "{\"code\":\"00000\"}",
        "{\"code\":\"40034\",\"msg\":\"Parameter does not exist\",\"data\":null}",
        "{\"code\":\"40034\",\"msg\":\"x\",\"data\":[" + POSITION + "]}",
        "{\"code\":40034,\"msg\":\"numeric code\",\"data\":[]}",
        "{\"code\":\"00000\",\"data\":[" + POSITION + "],\"code\":\"40001\"}", // a later duplicate wins
        "{\"code\":\"40001\",\"data\":[],\"code\":\"00000\"}",
        "{\"code\":\"00000\",\"data\":{\"not\":\"a list\"}}",
        "{\"code\":\"00000\",\"data\":[{\"holdSide\":\"sideways\"}]}",
        "{\"code\":\"00000\",\"data\":[" + POSITION + "]", // truncated
        "{\"code\":\"00000\",\"extra\":{\"deep\":[1,{\"x\":[]}]},\"data\":[" + POSITION + "]} trailing",
        "[]", "", "null", "<html>busy</html>");
    for (String body : bodies) {
      for (int status : new int[] {200, 400, 429, 500}) {
        sameEitherWay(status, body, POSITIONS, POSITIONS_FROM_TREE);
        sameEitherWay(status, body.replace("\"data\":[]", "\"data\":{\"entrustedList\":null,\"endId\":null}"), PLAN_PAGE,
            BitgetClient.PlanPage::fromTree);
      }
    }
    for (String page : List.of("{\"entrustedList\":null}", "{\"entrustedList\":[],\"endId\":42}", "{}",
        "{\"entrustedList\":{\"x\":1},\"endId\":\"9\"}", "{\"endId\":null,\"entrustedList\":[{\"planType\":\"pos_loss\"}]}")) {
      sameEitherWay(200, "{\"code\":\"00000\",\"data\":" + page + "}", PLAN_PAGE, BitgetClient.PlanPage::fromTree);
    }
  }
}

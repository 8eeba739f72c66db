package io.stopguard.bitget;

/** USDT-margined perpetuals, live or demo (paper) trading. Demo uses the S-prefixed name. */
public enum ProductType {
  USDT_FUTURES("USDT-FUTURES", "SUSDT-FUTURES");

  private final String live;
  private final String demo;

  ProductType(String live, String demo) {
    this.live = live;
    this.demo = demo;
  }

  public String wire(boolean demoTrading) {
    return demoTrading ? demo : live;
  }

  public String marginCoin(boolean demoTrading) {
    return demoTrading ? "SUSDT" : "USDT";
  }
}

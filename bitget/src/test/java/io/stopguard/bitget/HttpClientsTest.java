package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/** A Bitget (https) client keeps the JDK's TLS; only a plain-HTTP base skips it. */
class HttpClientsTest {
  @Test
  void httpsKeepsTheDefaultTlsAndPlainHttpGetsOneThatTrustsNothing() throws Exception {
    var https = HttpClients.forBase(URI.create("https://api.bitget.com"), Duration.ofSeconds(1)).build();
    assertThat(https.sslContext()).isSameAs(SSLContext.getDefault());
    var plain = HttpClients.forBase(URI.create("http://127.0.0.1:9"), Duration.ofSeconds(1)).build();
    assertThat(plain.sslContext()).isNotSameAs(SSLContext.getDefault());
    assertThat(plain.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
  }
}

package io.stopguard.status;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * TLS for the status server from the PEM files operators already have (a certificate chain, leaf
 * first, and its unencrypted private key: PKCS#8, PKCS#1 RSA or SEC1 EC, as certbot and openssl
 * write them). Read once at start; errors name the file and what is wrong, never a key's content.
 */
public final class Tls {
  private Tls() {}

  public static SSLContext fromPem(Path certificateChain, Path privateKey) {
    List<X509Certificate> chain = certificates(certificateChain);
    PrivateKey key = key(privateKey);
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] none = new char[0];
      ks.setKeyEntry("stopguard", key, none, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("the private key in " + privateKey + " does not go with the certificate in "
          + certificateChain + " (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static List<X509Certificate> certificates(Path file) {
    List<X509Certificate> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
      JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) out.add(conv.getCertificate(h));
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("certificate file not found: " + file);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the certificate file " + file + " as PEM: " + e.getClass().getSimpleName());
    }
    if (out.isEmpty()) throw new IllegalArgumentException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    return out;
  }

  private static PrivateKey key(Path file) {
    try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PrivateKeyInfo info) return conv.getPrivateKey(info);
        if (o instanceof PEMKeyPair pair) return conv.getKeyPair(pair).getPrivate();
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("private key file not found: " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the private key file " + file + " as PEM: " + e.getClass().getSimpleName());
    }
    throw new IllegalArgumentException(file + " holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----,"
        + " RSA PRIVATE KEY or EC PRIVATE KEY; an encrypted one must be decrypted first)");
  }
}

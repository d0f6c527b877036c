/**
 * A real RSA-2048 public key (SubjectPublicKeyInfo, base64), for the `txt:`
 * example in the domains.yaml that `dkimctl init` writes: a placeholder that
 * validates as it stands. Its private half was discarded when it was made,
 * so nothing can sign with it; replace it with the value your provider gives.
 */
export const EXAMPLE_RSA_PUBLIC_KEY =
  "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA5fXNdr8Ck+g0MyMHKLT/vuI2c30QDwS7ncE8vg7QNAdY9xzNFRiE+npl+xYUfHdh2C+Me7OudmWc" +
  "YBlhmgQ9cloRIZEYr3qTj22Gs6PJyy4fZbwCAhNIYX/kO4jkR9Gb1kkUdDboMaXVFB6n4TvbWfMJoiIoeThrzMgPXe3AYJpW8ORGN8AIC2vcRoIYnG/lXIjH" +
  "QKrRrfZHeU92aPAvSMK04cB8Sw97srY7mj+1aoXFBXxF3FaVOwhslE+JeEchJPW/prHjEy+Jzyoblcxp1X9Wf60fpZvGnwtDqnf11eUUe4W1TkxEM4VE0AYj" +
  "9CvKwV5ArbI0AjZpTLhCTSnmVQIDAQAB";

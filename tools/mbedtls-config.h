/* mbedTLS 2.28 configuration of the static binaries (tools/mbedtls-minimal installs it as
 * mbedtls/umbrella_config.h, included at the end of config.h: MBEDTLS_USER_CONFIG_FILE).
 * Starts from upstream's default config.h, as Debian's build does, and keeps what src/tls,
 * src/dtls, src/ws, src/stun and the unit tests use:
 *   - TLS 1.2 server (HTTPS, wss) and client (trunks, loadgen) and DTLS 1.2 with use_srtp,
 *     ECDHE-ECDSA and ECDHE-RSA with AES-GCM, ChaCha20-Poly1305 and (DTLS) AES-128-CBC-SHA,
 *     the suites src/tls/server_config.cpp and src/dtls/transport.cpp offer;
 *   - X.509 parsing and CA-chain verification (RSA and ECDSA signatures, RSASSA-PSS), PEM,
 *     ECDSA P-256 key generation and certificate writing (self-signed, make-certs' local CA);
 *   - RSA private-key operations too: an operator's HTTPS certificate may be RSA;
 *   - MD5 (STUN long-term credentials), SHA-1 (WebSocket accept, HMAC), SHA-2 and the md
 *     module's HMAC-SHA256 (the trunk handshake; room access tokens, src/auth), base64,
 *     CTR-DRBG, and threading (tls::Random is used from the media threads).
 * Record buffers: 16 KiB in (a peer may send full records), 4 KiB out (see below). mbedtls_ssl_write
 * sends at most one record per call and TlsSession::write loops; DTLS application data is
 * one SCTP packet (< MTU) per record; the largest handshake message we send is the
 * Certificate message, which must fit in 4 KiB (our certificates: < 1 KiB each).
 */
#ifndef UMBRELLA_MBEDTLS_CONFIG_H
#define UMBRELLA_MBEDTLS_CONFIG_H

/* Debian's additions that we use. */
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD
#define MBEDTLS_SSL_DTLS_SRTP

/* Record buffers: 16 KiB in, 8 KiB out, fixed. 8 KiB, not 4: TLS 1.2 sends the Certificate
 * message in one record, and a chain of RSA-4096 certificates outgrows 4 KiB (src/tls refuses
 * a chain that does not fit, with one line, at start). Not MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH: in
 * 2.28 it resizes both buffers after the handshake to the "no max_fragment_length" length,
 * MBEDTLS_TLS_EXT_ADV_CONTENT_LEN = min(IN, OUT) = 4 KiB, and then rejects a peer's full
 * 16 KiB record (-0x7100; Chrome sends its SDP offer over wss in one ~6 KB record). */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 8192

/* Protocol versions: TLS 1.2 and DTLS 1.2 only (src sets min version 1.2 everywhere). */
#undef MBEDTLS_SSL_PROTO_TLS1
#undef MBEDTLS_SSL_PROTO_TLS1_1
#undef MBEDTLS_SSL_CBC_RECORD_SPLITTING
#undef MBEDTLS_SSL_FALLBACK_SCSV

/* Key exchanges: ECDHE with ECDSA or RSA certificates only. */
#undef MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_DHE_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_RSA_PSK_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_RSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_DHE_RSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDH_ECDSA_ENABLED
#undef MBEDTLS_KEY_EXCHANGE_ECDH_RSA_ENABLED

/* The suites src offers, in the default preference list too. */
#define MBEDTLS_SSL_CIPHERSUITES                          \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,        \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,    \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,      \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,      \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,       \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA

/* TLS features nothing here uses: no tickets or session cache, no context serialisation,
 * no truncated HMAC. (MBEDTLS_SSL_RENEGOTIATION stays: src calls
 * mbedtls_ssl_conf_renegotiation to turn it off, which exists only with it.) */
#undef MBEDTLS_SSL_SESSION_TICKETS
#undef MBEDTLS_SSL_TICKET_C
#undef MBEDTLS_SSL_CACHE_C
#undef MBEDTLS_SSL_CONTEXT_SERIALIZATION
#undef MBEDTLS_SSL_TRUNCATED_HMAC
#undef MBEDTLS_SSL_RECORD_CHECKING

/* Ciphers and modes: AES (ECB/CBC/GCM), ChaCha20-Poly1305. */
#undef MBEDTLS_ARC4_C
#undef MBEDTLS_BLOWFISH_C
#undef MBEDTLS_CAMELLIA_C
#undef MBEDTLS_ARIA_C
#undef MBEDTLS_CCM_C
#undef MBEDTLS_DES_C
#undef MBEDTLS_XTEA_C
#undef MBEDTLS_NIST_KW_C
#undef MBEDTLS_CMAC_C
#undef MBEDTLS_CIPHER_MODE_CFB
#undef MBEDTLS_CIPHER_MODE_CTR
#undef MBEDTLS_CIPHER_MODE_OFB
#undef MBEDTLS_CIPHER_MODE_XTS
#undef MBEDTLS_CIPHER_PADDING_ONE_AND_ZEROS
#undef MBEDTLS_CIPHER_PADDING_ZEROS_AND_LEN
#undef MBEDTLS_CIPHER_PADDING_ZEROS
#undef MBEDTLS_PADLOCK_C /* 32-bit x86 only */

/* Hashes and KDFs: MD5, SHA-1, SHA-2 stay. */
#undef MBEDTLS_RIPEMD160_C
#undef MBEDTLS_HKDF_C

/* Public key: ECDSA/ECDH on the curves browsers and public CAs use; RSA without key
 * generation; no finite-field DH. */
#undef MBEDTLS_DHM_C
#undef MBEDTLS_GENPRIME
#undef MBEDTLS_PK_RSA_ALT_SUPPORT
#undef MBEDTLS_PK_PARSE_EC_EXTENDED
#undef MBEDTLS_ECP_DP_SECP192R1_ENABLED
#undef MBEDTLS_ECP_DP_SECP224R1_ENABLED
#undef MBEDTLS_ECP_DP_SECP192K1_ENABLED
#undef MBEDTLS_ECP_DP_SECP224K1_ENABLED
#undef MBEDTLS_ECP_DP_SECP256K1_ENABLED
#undef MBEDTLS_ECP_DP_BP256R1_ENABLED
#undef MBEDTLS_ECP_DP_BP384R1_ENABLED
#undef MBEDTLS_ECP_DP_BP512R1_ENABLED
#undef MBEDTLS_ECP_DP_CURVE448_ENABLED

/* X.509: certificates only (no CRLs, no CSRs); no encrypted private keys (src passes no
 * password). */
#undef MBEDTLS_X509_CRL_PARSE_C
#undef MBEDTLS_X509_CSR_PARSE_C
#undef MBEDTLS_X509_CSR_WRITE_C
#undef MBEDTLS_PKCS5_C
#undef MBEDTLS_PKCS12_C

/* Library plumbing: no PSA crypto, no built-in test certificates, self tests, debug
 * messages, version strings, files, sockets or timers (src brings its own). */
#undef MBEDTLS_PSA_CRYPTO_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_CERTS_C
#undef MBEDTLS_SELF_TEST
#undef MBEDTLS_DEBUG_C
#undef MBEDTLS_VERSION_C
#undef MBEDTLS_VERSION_FEATURES
#undef MBEDTLS_FS_IO
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C

#endif /* UMBRELLA_MBEDTLS_CONFIG_H */



# --- FlavorPack portable runtime: the system's CA store, wherever the distribution keeps it ---------
# OpenSSL was built with OPENSSLDIR=/etc/ssl, so the default verify paths are /etc/ssl/cert.pem and the
# hashed folder /etc/ssl/certs (Debian, Ubuntu, Alpine, Arch, SUSE). Distributions that keep the bundle
# elsewhere (Fedora, RHEL, Amazon Linux: /etc/pki/...) get their bundle file loaded too. SSL_CERT_FILE /
# SSL_CERT_DIR still decide when set. Without any system store, the app's certifi (if it ships one) is
# the fallback. See docs/runtime.md, "CA certificates".
_FLAVOR_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)


def _flavor_set_default_verify_paths(self, _default=SSLContext.set_default_verify_paths):
    _default(self)
    import os
    if os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR"):
        return
    for candidate in _FLAVOR_CA_FILES:
        if os.path.isfile(candidate):
            self.load_verify_locations(cafile=candidate)
            return
    try:
        import certifi
    except ImportError:
        return
    self.load_verify_locations(cafile=certifi.where())


SSLContext.set_default_verify_paths = _flavor_set_default_verify_paths

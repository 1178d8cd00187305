"""TLS for the REST API: server contexts from PEM files, and self-signed certificates.

kubectl (client-go's clientcmd) reads a kubeconfig user's credentials only
when the server URL is ``https``: over plain HTTP it never sends a bearer
token.  So bearer-token authentication is only usable from kubectl with TLS,
and ``rayk8s up --token-file`` makes a self-signed certificate when none is
given.  The certificate doubles as its own CA; the kubeconfig embeds it as
``certificate-authority-data`` so clients verify the server.

Generating a certificate needs the ``cryptography`` package (present with
Ray's default extras); it is imported only here, only when asked.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path


def server_context(cert_file: str | os.PathLike, key_file: str | os.PathLike) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert_file), str(key_file))
    return ctx


def self_signed(cert_file: str | os.PathLike, key_file: str | os.PathLike,
                hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
                days: int = 365) -> tuple[str, str]:
    """Write a self-signed certificate (its own CA) and key for ``hosts``."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("making a self-signed certificate needs the 'cryptography' "
                           "package; pass a certificate and key instead") from exc
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rayk8s-apiserver")])
    alt = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = Path(cert_file), Path(key_file)
    cert_file.parent.mkdir(parents=True, exist_ok=True)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    return str(cert_file), str(key_file)

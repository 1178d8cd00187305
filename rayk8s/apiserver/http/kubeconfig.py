"""A kubeconfig pointing at a rayk8s apiserver.

One cluster, one user and one context, all named after ``context``, and the
context made current, so ``KUBECONFIG=<file> kubectl get pods`` and
``kubernetes.config.load_kube_config(config_file=<file>)`` need nothing
else.  Without a token the user entry is empty (kubectl then sends no
Authorization header).  For a TLS server pass the CA certificate (PEM) or
``insecure_skip_tls_verify``.  The file is written with mode 0600 because
it may hold a token.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import yaml


def kubeconfig(server_url: str, token: str | None = None, context: str = "rayk8s",
               namespace: str = "default", certificate_authority_pem: bytes | None = None,
               insecure_skip_tls_verify: bool = False) -> dict:
    cluster: dict = {"server": server_url}
    if certificate_authority_pem:
        cluster["certificate-authority-data"] = base64.b64encode(
            certificate_authority_pem).decode()
    if insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    user: dict = {"token": token} if token else {}
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {},
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": context, "user": user}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context,
                                                   "namespace": namespace}}],
        "current-context": context,
    }


def write_kubeconfig(path: str | os.PathLike, server_url: str, token: str | None = None,
                     context: str = "rayk8s", namespace: str = "default", *,
                     certificate_authority_pem: bytes | None = None,
                     insecure_skip_tls_verify: bool = False) -> str:
    """Write a kubeconfig for ``server_url`` at ``path``; returns the path."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig(server_url, token, context, namespace,
                                     certificate_authority_pem, insecure_skip_tls_verify),
                          sort_keys=False)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return str(path)

"""kubectl with bearer tokens over TLS (kube-apiserver's --token-auth-file).

kubectl sends a kubeconfig token only to an https server, so this is the
shape every token-protected rayk8s API takes.  No Ray here: the app runs over
an in-memory registry on its own event-loop thread, on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from rayk8s.apiserver.http import kubeconfig, make_app, start_server, tls
from rayk8s.apiserver.registry import Registry
from rayk8s.store import AsyncStore, MVCCStore

from .conftest import Kubectl

pytestmark = pytest.mark.e2e


@pytest.fixture
def secured(tmp_path):
    pytest.importorskip("cryptography")
    cert, key = tls.self_signed(tmp_path / "tls.crt", tmp_path / "tls.key")
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('s3cret,alice,1,"system:masters"\n')
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def up():
        store = AsyncStore(MVCCStore())
        registry = Registry(store)
        await registry.start()
        runner, url = await start_server(make_app(registry, token_file=str(tokens)),
                                         ssl_context=tls.server_context(cert, key))
        return store, registry, runner, url

    store, registry, runner, url = asyncio.run_coroutine_threadsafe(up(), loop).result(30)

    async def down():
        await runner.cleanup()
        await registry.stop()
        store.close()
    try:
        yield url, open(cert, "rb").read(), tmp_path
    finally:
        asyncio.run_coroutine_threadsafe(down(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def _kubectl(tmp_path, name, url, ca, token):
    path = kubeconfig.write_kubeconfig(tmp_path / name, url, token,
                                       certificate_authority_pem=ca)
    from shutil import which
    binary = which("kubectl")
    if binary is None:
        pytest.fail("kubectl is not on PATH: the e2e tests need the real kubectl")
    return Kubectl(binary, path, str(tmp_path / f"cache-{name}"))


def test_kubectl_with_a_token_over_tls(secured):
    url, ca, tmp_path = secured
    assert url.startswith("https://127.0.0.1:")
    good = _kubectl(tmp_path, "good", url, ca, "s3cret")
    assert "default" in good("get", "ns")
    assert good("create", "configmap", "c", "--from-literal=a=b").strip() == \
        "configmap/c created"
    bad = _kubectl(tmp_path, "bad", url, ca, "wrong")
    proc = bad.run("get", "ns", check=False)
    assert proc.returncode == 1
    assert "You must be logged in to the server" in proc.stderr


def test_official_client_with_a_token_over_tls(secured):
    from kubernetes import client, config
    url, ca, tmp_path = secured
    path = kubeconfig.write_kubeconfig(tmp_path / "py", url, "s3cret",
                                       certificate_authority_pem=ca)
    cfg = client.Configuration()
    config.load_kube_config(config_file=path, client_configuration=cfg)
    with client.ApiClient(cfg) as api:
        names = [n.metadata.name for n in client.CoreV1Api(api).list_namespace().items]
    assert "default" in names

"""The connect backend without Ray: the exec WebSocket channel protocol as kubectl 1.32
speaks it, logs (following), and the pod/service/node proxies, against a fake kubelet."""

from __future__ import annotations

import asyncio
import json
import random

import aiohttp
import pytest

from rayk8s.api import errors

from rayk8s.apiserver.http import connect

from .test_http_server import call, serving

NS = "/api/v1/namespaces/default"


# -- framing --------------------------------------------------------------------------------

def test_frames_and_statuses():
    assert connect.frame(connect.STDOUT, b"hi") == b"\x01hi"
    assert connect.frame(connect.ERROR) == b"\x03"
    assert connect.unframe(b"\x00abc") == (connect.STDIN, b"abc")
    assert connect.unframe(bytes([255, 0])) == (connect.CLOSE, b"\x00")
    with pytest.raises(ValueError):
        connect.unframe(b"")
    assert connect.exit_status(0) == {"metadata": {}, "status": "Success"}
    failed = connect.exit_status(127)
    assert failed["status"] == "Failure" and failed["reason"] == "NonZeroExitCode"
    assert failed["details"] == {"causes": [{"reason": "ExitCode", "message": "127"}]}
    internal = connect.failure_status(LookupError("container is not created or running"))
    assert internal["reason"] == "InternalError" and internal["code"] == 500
    assert internal["message"] == ("Internal error occurred: error executing command in "
                                   "container: container is not created or running")


def test_interactive_shells_and_stream_options():
    assert connect.is_interactive_shell(["sh"]) and connect.is_interactive_shell(["/bin/bash",
                                                                                  "-il"])
    assert not connect.is_interactive_shell(["sh", "-c", "ls"])
    assert not connect.is_interactive_shell(["printenv"])
    with pytest.raises(Exception, match="at least 1 of stdin, stdout, stderr"):
        connect.stream_options({})
    assert connect.stream_options({"stdout": "true", "stderr": "true", "tty": "true"}) == \
        {"stdin": False, "stdout": True, "stderr": False, "tty": True}


# -- a fake kubelet ---------------------------------------------------------------------------

class FakeShell:
    """Stands in for actors/node.NodeShell: canned exec results, a growing log."""

    def __init__(self):
        self.lines = ["one", "two"]
        self.running = True
        self.calls: list = []
        self.cancelled = asyncio.Event()
        self.sleeping = asyncio.Event()

    async def read_logs(self, namespace, pod, container, *, previous=False, timestamps=False,
                        tail_lines=None, since=None, cursor=None, wait=0.0):
        if pod == "gone":
            raise LookupError('pods "gone" not found on this node')
        start = cursor[0] if cursor else 0
        if cursor is None and tail_lines is not None:
            start = max(0, len(self.lines) - tail_lines)
        if cursor is not None and start >= len(self.lines) and self.running:
            await asyncio.sleep(min(wait, 0.02))
        text = "".join(f"{'T ' if timestamps else ''}{line}\n" for line in self.lines[start:])
        return {"text": text, "cursor": [len(self.lines)], "running": self.running}

    async def exec(self, namespace, pod, container, argv, stdin=None):
        self.calls.append((pod, container, list(argv), stdin))
        if argv[0] == "sleep":
            self.sleeping.set()
            try:
                await asyncio.sleep(float(argv[1]))
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        if argv[0] == "boom":
            raise LookupError("container is not created or running")
        if argv[0] == "cat":
            return stdin or b"", b"", 0
        if argv[0] == "fail":
            return b"out\n", b"err\n", 3
        if argv[:2] == ["sh", "-c"]:
            return f"[{argv[2]}]\n".encode(), b"", 0
        return ("ran " + " ".join(argv) + "\n").encode(), b"", 0

    def http_request(self, pod_key, port, method="GET", path="/", headers=None, body=b""):
        if port != 8090:
            raise ConnectionRefusedError(f"dial tcp: connect: connection refused ({port})")
        self.calls.append(("http", pod_key, port, method, path, dict(headers or {}), body))
        return 201, {"X-App": "fake", "Content-Type": "text/plain", "Connection": "close"}, \
            f"{method} {path} {body.decode()} {pod_key}".encode()

    def info(self):
        return {"names": ["node-1"]}

    async def stats(self):
        return {"node-1": {"node": {"nodeName": "node-1"}}}


async def _setup(registry):
    await registry.create("nodes", {"apiVersion": "v1", "kind": "Node",
                                    "metadata": {"name": "node-1"}})
    for i, (name, ready) in enumerate((("web-a", True), ("web-b", True), ("web-c", False))):
        await registry.create("pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name,
                                                            "labels": {"app": "web"}},
            "spec": {"nodeName": "node-1", "containers": [
                {"name": "hello-world", "image": "hello-world:v1.0",
                 "ports": [{"containerPort": 8090, "name": "http"}]}]}}, "default")
        await registry.patch("pods", name, {"status": {
            "phase": "Running", "podIP": f"10.244.1.{i + 2}",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
            "containerStatuses": [{"name": "hello-world", "ready": ready, "restartCount": 0,
                                   "image": "hello-world:v1.0", "imageID": "",
                                   "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}]}},
            "default", subresource="status")
    await registry.create("pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "creating"},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "x"}]}}, "default")
    await registry.patch("pods", "creating", {"status": {"phase": "Pending", "containerStatuses": [
        {"name": "c", "ready": False, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"waiting": {"reason": "ContainerCreating"}}}]}}, "default",
        subresource="status")


def backend_test(fn):
    def wrapper():
        async def main():
            shell = FakeShell()
            backend = connect.KubeletBackend(None, connect.LocalKubelets({"node-1": shell}),
                                             log_poll_seconds=0.05, rng=random.Random(7))
            async with serving(connect_backend=backend) as (client, registry):
                backend.registry = registry
                await _setup(registry)
                await fn(client, registry, shell)
        asyncio.run(asyncio.wait_for(main(), 30))
    wrapper.__name__ = fn.__name__
    return wrapper


async def _exec(client, query: str, *, send: list[bytes] = (), protocols=(connect.V5,),
                close_stdin=True, pod="web-a"):
    """One exec over WebSocket: (protocol, {channel: bytes}, status, close code)."""
    ws = await client.ws_connect(f"{NS}/pods/{pod}/exec?{query}", protocols=protocols)
    for data in send:
        await ws.send_bytes(connect.frame(connect.STDIN, data))
    if send and close_stdin:
        await ws.send_bytes(bytes([connect.CLOSE, connect.STDIN]))
    got: dict[int, bytes] = {}
    first = None
    async for msg in ws:
        assert msg.type == aiohttp.WSMsgType.BINARY
        channel, data = connect.unframe(msg.data)
        first = channel if first is None else first
        got[channel] = got.get(channel, b"") + data
    status = json.loads(got.pop(connect.ERROR)) if connect.ERROR in got else None
    return ws.protocol, first, got, status, ws.close_code


# -- exec -----------------------------------------------------------------------------------

@backend_test
async def test_exec_over_the_v5_channel_protocol(client, registry, shell):
    proto, first, got, status, code = await _exec(
        client, "command=printenv&command=HOSTNAME&container=hello-world&stdout=true"
                "&stderr=true")
    assert proto == connect.V5 and first == connect.STDOUT     # the empty "ready" frame
    assert got == {connect.STDOUT: b"ran printenv HOSTNAME\n"}
    assert status == {"metadata": {}, "status": "Success"} and code == 1000
    assert shell.calls[-1] == ("web-a", "hello-world", ["printenv", "HOSTNAME"], None)
    _, _, got, status, _ = await _exec(client, "command=fail&stdout=true&stderr=true")
    assert got == {connect.STDOUT: b"out\n", connect.STDERR: b"err\n"}
    assert status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    # only the streams asked for; v4 works the same way
    proto, first, got, _, _ = await _exec(client, "command=fail&stderr=true",
                                          protocols=(connect.V4,))
    assert proto == connect.V4 and first == connect.STDERR and got == {connect.STDERR: b"err\n"}


@backend_test
async def test_exec_reads_stdin_to_its_close(client, registry, shell):
    _, _, got, status, _ = await _exec(client, "command=cat&stdin=true&stdout=true",
                                       send=[b"piped ", b"input\n"])
    assert got == {connect.STDOUT: b"piped input\n"} and status["status"] == "Success"
    assert shell.calls[-1][3] == b"piped input\n"


@backend_test
async def test_exec_without_a_stream_for_the_python_api(client, registry, shell):
    """``run_exec`` (Client.exec's path): pods/exec's checks, then the kubelet's answer."""
    backend = connect.KubeletBackend(registry, connect.LocalKubelets({"node-1": shell}))
    assert await backend.run_exec("default", "web-a", ["fail"]) == (b"out\n", b"err\n", 3)
    assert shell.calls[-1] == ("web-a", "hello-world", ["fail"], None)
    for args, code, text in ((("nope", ["ls"]), 404, 'pods "nope" not found'),
                             (("web-a", []), 400, "at least 1 command"),
                             (("web-a", ["ls"], "other"), 400, "container other is not valid"),
                             (("web-a", ["boom"]), 500, "not created or running")):
        with pytest.raises(errors.ApiError) as err:
            await backend.run_exec("default", *args)
        assert err.value.code == code and text in err.value.message, err.value.status


@backend_test
async def test_exec_failures_travel_on_the_error_channel(client, registry, shell):
    _, _, got, status, _ = await _exec(client, "command=boom&stdout=true")
    assert got == {connect.STDOUT: b""} or got == {}
    assert status["reason"] == "InternalError" and "not created or running" in status["message"]


@backend_test
async def test_exec_refusals_before_the_upgrade(client, registry, shell):
    _, out, _ = await call(client, "POST", f"{NS}/pods/web-a/exec?command=ls&stdout=true",
                           expect=400)
    assert out["message"] == "Upgrade request required"
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a/exec?command=ls", expect=400)
    assert out["message"] == "you must specify at least 1 of stdin, stdout, stderr"
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect(f"{NS}/pods/web-a/exec?command=ls&stdout=true",
                                protocols=("base64.channel.k8s.io",))
    assert info.value.status == 400


@backend_test
async def test_a_client_that_leaves_cancels_the_command(client, registry, shell):
    ws = await client.ws_connect(f"{NS}/pods/web-a/exec?command=sleep&command=30&stdout=true",
                                 protocols=(connect.V5,))
    msg = await ws.receive()
    assert connect.unframe(msg.data) == (connect.STDOUT, b"")
    await asyncio.wait_for(shell.sleeping.wait(), 5)
    await ws.close()
    await asyncio.wait_for(shell.cancelled.wait(), 5)


@backend_test
async def test_interactive_shell_over_a_terminal(client, registry, shell):
    ws = await client.ws_connect(
        f"{NS}/pods/web-a/exec?command=sh&stdin=true&stdout=true&tty=true",
        protocols=(connect.V5,))
    out = b""

    async def read_until(text: bytes):
        nonlocal out
        while text not in out:
            msg = await asyncio.wait_for(ws.receive(), 5)
            if msg.type != aiohttp.WSMsgType.BINARY:
                return
            channel, data = connect.unframe(msg.data)
            if channel == connect.STDOUT:
                out += data
            elif channel == connect.ERROR:
                out += b"<status:" + data + b">"
    await read_until(b"/ # ")
    for key in b"echo hx\x7fi\r":
        await ws.send_bytes(connect.frame(connect.STDIN, bytes([key])))
    await read_until(b"[echo hi]\r\n/ # ")
    await ws.send_bytes(connect.frame(connect.STDIN, b"exit 4\r"))
    await read_until(b"<status:")
    await read_until(b">")
    assert b"echo hx\x08 \x08i\r\n[echo hi]\r\n/ # exit 4\r\n" in out
    assert b'"reason":"NonZeroExitCode"' in out and b'"message":"4"' in out
    assert shell.calls[-1][2] == ["sh", "-c", "echo hi"]
    await ws.close()


# -- attach ---------------------------------------------------------------------------------

@backend_test
async def test_attach_streams_new_output_until_the_container_exits(client, registry, shell):
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a/attach?stdin=true&stdout=true",
                           expect=400)
    assert "stdin" in out["message"]
    ws = await client.ws_connect(f"{NS}/pods/web-a/attach?stdout=true&stderr=true",
                                 protocols=(connect.V5,))
    assert connect.unframe((await ws.receive()).data) == (connect.STDOUT, b"")
    shell.lines.append("three")
    msg = await asyncio.wait_for(ws.receive(), 5)
    assert connect.unframe(msg.data) == (connect.STDOUT, b"three\n")
    shell.running = False
    msg = await asyncio.wait_for(ws.receive(), 5)
    assert connect.unframe(msg.data) == (connect.ERROR, b'{"metadata":{},"status":"Success"}')
    await ws.close()


# -- logs -----------------------------------------------------------------------------------

@backend_test
async def test_logs_options_and_the_kubelets_refusals(client, registry, shell):
    _, out, resp = await call(client, "GET", f"{NS}/pods/web-a/log", expect=200)
    assert out == "one\ntwo\n" and resp.headers["Content-Type"].startswith("text/plain")
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a/log?tailLines=1&timestamps=true",
                           expect=200)
    assert out == "T two\n"
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a/log?limitBytes=5", expect=200)
    assert out == "one\nt"
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a/log?tailLines=-1", expect=422)
    assert out["reason"] == "Invalid" and "tailLines" in out["message"]
    _, out, _ = await call(client, "GET",
                           f"{NS}/pods/web-a/log?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z",
                           expect=422)
    assert "at most one of `sinceTime` or `sinceSeconds`" in out["message"]
    _, out, _ = await call(client, "GET", f"{NS}/pods/creating/log", expect=400)
    assert out["message"] == \
        'container "c" in pod "creating" is waiting to start: ContainerCreating'
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a/log?previous=true", expect=400)
    assert out["message"] == \
        'previous terminated container "hello-world" in pod "web-a" not found'


@backend_test
async def test_logs_follow_streams_until_the_container_exits(client, registry, shell):
    resp = await client.get(f"{NS}/pods/web-a/log?follow=true")
    assert resp.status == 200
    assert await resp.content.readline() == b"one\n"
    assert await resp.content.readline() == b"two\n"
    shell.lines.append("three")
    assert await asyncio.wait_for(resp.content.readline(), 5) == b"three\n"
    shell.lines.append("four")
    shell.running = False
    assert await asyncio.wait_for(resp.content.read(), 5) == b"four\n"     # then EOF
    resp.close()


# -- proxies --------------------------------------------------------------------------------

@backend_test
async def test_pod_proxy_relays_the_request_and_the_answer(client, registry, shell):
    resp = await client.post(f"{NS}/pods/web-a/proxy/some/path?x=1&y=2", data=b"body",
                             headers={"X-Test": "yes"}, allow_redirects=False)
    assert resp.status == 201 and resp.headers["X-App"] == "fake"
    assert await resp.text() == "POST /some/path?x=1&y=2 body default/web-a"
    call_ = shell.calls[-1]
    assert call_[1:5] == ("default/web-a", 8090, "POST", "/some/path?x=1&y=2")
    assert call_[5]["X-Test"] == "yes" and call_[5]["Host"] == "10.244.1.2:8090"
    resp = await client.get(f"{NS}/pods/web-a/proxy?a=b", allow_redirects=False)
    assert resp.status == 301 and resp.headers["Location"] == f"{NS}/pods/web-a/proxy/?a=b"
    resp = await client.get(f"{NS}/pods/web-a:http/proxy/")       # a named container port
    assert resp.status == 201
    _, out, _ = await call(client, "GET", f"{NS}/pods/web-a:9999/proxy/", expect=503)
    assert out["message"] == ("error trying to reach service: dial tcp 10.244.1.2:9999: "
                              "connect: connection refused")
    _, out, _ = await call(client, "GET", f"{NS}/pods/a:b:c:d/proxy/", expect=400)
    assert out["message"] == 'invalid pod request "a:b:c:d"'


@backend_test
async def test_service_proxy_picks_ready_pods_of_the_selector(client, registry, shell):
    await call(client, "POST", f"{NS}/services", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}},
        expect=201)
    seen = set()
    for _ in range(20):
        resp = await client.get(f"{NS}/services/web/proxy/")
        assert resp.status == 201
        seen.add((await resp.text()).rsplit(" ", 1)[1])
    assert seen == {"default/web-a", "default/web-b"}       # never the unready web-c
    assert (await client.get(f"{NS}/services/web:80/proxy/")).status == 201
    await call(client, "GET", f"{NS}/services/web:81/proxy/", expect=503)
    await call(client, "POST", f"{NS}/services", {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "empty"},
        "spec": {"selector": {"app": "none"}, "ports": [{"port": 80}]}}, expect=201)
    _, out, _ = await call(client, "GET", f"{NS}/services/empty/proxy/", expect=503)
    assert out["message"] == 'no endpoints available for service "empty"'


@backend_test
async def test_node_proxy_serves_the_kubelet_endpoints(client, registry, shell):
    _, out, _ = await call(client, "GET", "/api/v1/nodes/node-1/proxy/healthz", expect=200)
    assert out == "ok"
    _, out, _ = await call(client, "GET", "/api/v1/nodes/node-1/proxy/stats/summary",
                           expect=200)
    assert out == {"node": {"nodeName": "node-1"}}
    _, out, _ = await call(client, "GET", "/api/v1/nodes/node-1/proxy/pods", expect=200)
    assert {p["metadata"]["name"] for p in out["items"]} == {"web-a", "web-b", "web-c",
                                                             "creating"}


@backend_test
async def test_unreachable_kubelets_are_503(client, registry, shell):
    await registry.create("nodes", {"apiVersion": "v1", "kind": "Node",
                                    "metadata": {"name": "node-9"}})
    await registry.create("pods", {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "far"},
        "spec": {"nodeName": "node-9", "containers": [{"name": "c", "image": "x"}]}}, "default")
    await registry.patch("pods", "far", {"status": {"phase": "Running", "containerStatuses": [
        {"name": "c", "ready": True, "restartCount": 0, "image": "x", "imageID": "",
         "state": {"running": {}}}]}}, "default", subresource="status")
    _, out, _ = await call(client, "GET", f"{NS}/pods/far/log", expect=503)
    assert out["message"] == 'no kubelet serves node "node-9"'

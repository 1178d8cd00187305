"""Connect subresources: pods/log, exec, attach, portforward and proxy.

kube-apiserver serves these by dialing a kubelet (log, exec, attach,
portforward, node proxy) or a pod/service address (proxy).  Here the routing
and the checks the apiserver itself makes are real, and what lies beyond is
a pluggable :class:`ConnectBackend`:

1. The object is read (404 if missing) and the request checked as the real
   registry checks it: ``container`` must name one of the pod's containers
   (and must be given when there are several), exec needs a ``command``;
   exec/attach/portforward on a pod with no node are a 400 ``pod X does not
   have a host assigned``; logs of an unscheduled pod are empty (200), as
   kube-apiserver's LogLocation answers them.  A proxy name may carry a
   scheme and port, ``[scheme:]name[:port]`` (``pods/web:8080/proxy/``).
2. The backend gets a :class:`ConnectRequest` and the aiohttp request, and
   answers (streaming if it likes).  The default :class:`Unavailable` backend
   answers 503 ServiceUnavailable naming what is missing.

The proxy sub-path is passed on verbatim (``None`` when the URL ends at
``proxy``), with the raw query string, so a backend can forward the request
unchanged as ``kubectl proxy`` users expect.

:class:`KubeletBackend` is the real one: it reaches the kubelet hosting a
pod's node through a :class:`Kubelets` dialer (over Ray: actors/connect.py;
in process: :class:`LocalKubelets`) and serves

- ``log``: container, follow (new lines streamed until the container exits or
  the client goes away), previous, timestamps, tailLines, sinceSeconds,
  sinceTime, limitBytes -- with the kubelet's 400s for containers that have
  not started (``container "x" in pod "y" is waiting to start: ...``);
- ``proxy`` for pods (to the port given, else the first declared
  containerPort, else 80; method, path, query, headers and body relayed to the
  played app and its answer returned unchanged; ``.../proxy`` without the
  slash is redirected to ``.../proxy/`` as kube-apiserver does), services (to
  a random ready pod among those the Service's selector picks -- there is no
  Endpoints controller yet, so pods are selected directly by selector and
  Ready condition -- on the resolved targetPort) and nodes (the kubelet's
  ``healthz``, ``pods`` and ``stats/summary``);
- ``exec`` and ``attach`` over WebSocket with the channel protocol kubectl
  1.30+ speaks (:class:`ChannelSession`: ``v5.channel.k8s.io``, and
  ``v4.channel.k8s.io``).  ``portforward`` is not served (503).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from ...api import errors
from ...api.kinds import Kind
from ...clock import parse_rfc3339
from .params import REACHED, bool_param, int_param
from .paths import ResourceRequest

log = logging.getLogger(__name__)

SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward", "proxy"})


@dataclass(frozen=True)
class ConnectRequest:
    kind: Kind
    namespace: str | None
    name: str
    subresource: str            # log | exec | attach | portforward | proxy
    subpath: str | None         # proxy only: what follows ``proxy/``
    obj: dict                   # the pod, service or node as stored
    container: str | None = None  # log/exec/attach: the (validated) container
    port: str = ""              # proxy only: the port (number or name) after ``name:``
    scheme: str = ""            # proxy only: ``http``/``https`` before the name


class ConnectBackend(Protocol):
    async def connect(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        """Answer one connect request (raise ApiError for a Status answer)."""


def service_unavailable(message: str) -> errors.ApiError:
    return errors.ApiError(errors.status(503, "ServiceUnavailable", message))


class Unavailable:
    """A backend for an apiserver without kubelets: 503, saying why."""

    async def connect(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        kind, name, sub = target.kind.kind, target.name, target.subresource
        if kind == "Service":
            raise service_unavailable(f'no endpoints available for service "{name}"')
        if kind == "Node":
            raise service_unavailable(
                f'no kubelet serves node "{name}": the emulated kubelets are not running yet')
        node = (target.obj.get("spec") or {}).get("nodeName", "")
        if sub == "proxy":
            raise service_unavailable(
                f'pod "{name}" cannot be reached: the emulated pod network is not running yet')
        raise service_unavailable(
            f'pods/{sub} for pod "{name}" needs the kubelet of node "{node}", and the '
            f'emulated kubelets are not running yet')


def _containers(pod: dict) -> tuple[list[str], list[str]]:
    spec = pod.get("spec") or {}
    regular = [c.get("name", "") for c in spec.get("containers") or []]
    others = [c.get("name", "") for c in (spec.get("initContainers") or []) +
              (spec.get("ephemeralContainers") or [])]
    return regular, others


def _container(pod: dict, requested: str | None) -> str:
    """kube-apiserver's container choice for log/exec/attach."""
    name = pod["metadata"]["name"]
    regular, others = _containers(pod)
    if requested:
        if requested not in regular and requested not in others:
            raise errors.bad_request(f"container {requested} is not valid for pod {name}")
        return requested
    if len(regular) == 1:
        return regular[0]
    message = (f"a container name must be specified for pod {name}, choose one of: "
               f"[{' '.join(regular)}]")
    if others:
        message += f" or one of the init containers: [{' '.join(others)}]"
    raise errors.bad_request(message)


def split_scheme_name_port(kind: Kind, ident: str) -> tuple[str, str, str]:
    """``[scheme:]name[:port]`` of a proxy URL, as apimachinery's SplitSchemeNamePort."""
    parts = ident.split(":")
    scheme, port = "", ""
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        name, port = parts
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        name = ""
    if not name or scheme not in ("", "http", "https"):
        raise errors.bad_request(f'invalid {kind.singular} request "{ident}"')
    return scheme, name, port


async def serve(api, request: web.Request, rr: ResourceRequest) -> web.StreamResponse:
    request[REACHED] = True
    try:
        resp = await _serve(api, request, rr)
    except errors.ApiError as exc:
        api.count("CONNECT", rr.kind, rr.subresource, rr.namespace is not None, exc.code)
        raise
    api.count("CONNECT", rr.kind, rr.subresource, rr.namespace is not None, resp.status)
    return resp


async def _serve(api, request: web.Request, rr: ResourceRequest) -> web.StreamResponse:
    q = request.query
    sub = rr.subresource
    name, scheme, port = rr.name or "", "", ""
    if sub == "proxy":
        scheme, name, port = split_scheme_name_port(rr.kind, name)
    obj = await api.registry.get(rr.kind, name, rr.namespace)
    container = None
    if rr.kind.kind == "Pod" and sub in ("log", "exec", "attach"):
        container = _container(obj, q.get("container") or None)
    if rr.kind.kind == "Pod" and sub == "log":
        bool_param(q, "follow")
        bool_param(q, "previous")
        bool_param(q, "timestamps")
    if sub == "exec" and not q.getall("command", []):
        raise errors.bad_request("you must specify at least 1 command")
    if rr.kind.kind == "Pod" and sub != "proxy" and not (obj.get("spec") or {}).get("nodeName"):
        if sub == "log":  # LogLocation: no host yet, no logs yet
            return web.Response(body=b"", status=200, content_type="text/plain")
        raise errors.bad_request(f"pod {name} does not have a host assigned")
    target = ConnectRequest(rr.kind, rr.namespace, name, sub, rr.path.subpath, obj,
                            container, port, scheme)
    return await api.connect_backend.connect(request, target)


# =========================================================== the kubelet side

class KubeletUnreachable(ConnectionError):
    """No kubelet serves the node (no node actor, or it is gone)."""


class Kubelets(Protocol):
    """How the apiserver reaches kubelets (kube-apiserver dials port 10250)."""

    async def call(self, node: dict, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``method`` of the node shell hosting ``node`` (the Node object):
        ``read_logs``, ``exec``, ``http_request``, ``stats`` (actors/node.py).

        Raises :class:`KubeletUnreachable` when no kubelet serves the node; the
        shell's own exceptions (LookupError, ValueError, ConnectionRefusedError)
        come through as they are."""


class LocalKubelets:
    """Node shells in this process, by node name (tests, single-process use)."""

    def __init__(self, shells: dict[str, Any] | None = None):
        self.shells = dict(shells or {})

    async def call(self, node: dict, method: str, *args: Any, **kwargs: Any) -> Any:
        shell = self.shells.get(node["metadata"]["name"])
        if shell is None:
            raise KubeletUnreachable(f'no kubelet serves node "{node["metadata"]["name"]}"')
        result = getattr(shell, method)(*args, **kwargs)
        return await result if asyncio.iscoroutine(result) else result


_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                         "te", "trailer", "trailers", "transfer-encoding", "upgrade",
                         "content-length", "host", "authorization"})


def _relayed(headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}


def _pod_ready(pod: dict) -> bool:
    status = pod.get("status") or {}
    if pod["metadata"].get("deletionTimestamp") or not status.get("podIP") or \
            status.get("phase") != "Running":
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in status.get("conditions") or [])


def _container_port(pod: dict, port: str | int | None) -> int | None:
    """A pod's port: a number, a container port's name, or (None) the first declared one."""
    declared = [p for c in (pod.get("spec") or {}).get("containers") or []
                for p in c.get("ports") or [] if isinstance(p, dict)]
    if port in (None, ""):
        return int(declared[0]["containerPort"]) if declared else 80
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for p in declared:
        if p.get("name") == port:
            return int(p["containerPort"])
    return None


def _status_of(pod: dict, container: str) -> dict | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == container:
                return cs
    return None


def check_log_status(pod: dict, container: str, previous: bool) -> None:
    """The kubelet's answers for logs of a container in no state to give them
    (its validateContainerLogStatus), as 400s."""
    name = pod["metadata"]["name"]
    cs = _status_of(pod, container)
    if cs is None:
        raise errors.bad_request(f'container "{container}" in pod "{name}" is not available')
    state, last = cs.get("state") or {}, (cs.get("lastState") or {}).get("terminated")
    if previous:
        if not last or not last.get("containerID"):
            raise errors.bad_request(
                f'previous terminated container "{container}" in pod "{name}" not found')
        return
    if "running" in state or "terminated" in state or last:
        return
    waiting = state.get("waiting")
    if waiting is not None:
        reason = waiting.get("reason") or ""
        reason = {"ErrImagePull": "image can't be pulled",
                  "ImagePullBackOff": "trying and failing to pull image"}.get(reason, reason)
        raise errors.bad_request(
            f'container "{container}" in pod "{name}" is waiting to start: {reason}')
    raise errors.bad_request(
        f'container "{container}" in pod "{name}" is waiting to start - no logs yet')


def _log_options(query, pod_name: str, now: float) -> dict[str, Any]:
    """PodLogOptions from the query, validated as kube-apiserver validates them (422)."""
    tail = int_param(query, "tailLines")
    since_seconds = int_param(query, "sinceSeconds")
    since_time = query.get("sinceTime") or None
    limit = int_param(query, "limitBytes")
    causes = []
    if tail is not None and tail < 0:
        causes.append(errors.Cause("tailLines", f"Invalid value: {tail}: must be greater "
                                                "than or equal to 0"))
    if limit is not None and limit < 1:
        causes.append(errors.Cause("limitBytes", f"Invalid value: {limit}: must be "
                                                 "greater than 0"))
    if since_seconds is not None and since_time is not None:
        causes.append(errors.Cause("", "at most one of `sinceTime` or `sinceSeconds` may be "
                                       "specified", "FieldValueForbidden"))
    elif since_seconds is not None and since_seconds < 1:
        causes.append(errors.Cause("sinceSeconds", f"Invalid value: {since_seconds}: must "
                                                   "be greater than 0"))
    since = None
    if since_time is not None:
        try:
            since = parse_rfc3339(since_time)
        except ValueError:
            raise errors.bad_request(f'invalid value for "sinceTime": {since_time!r} is not '
                                     'an RFC3339 time') from None
    if causes:
        raise errors.invalid("PodLogOptions", pod_name, causes)
    if since_seconds is not None:
        since = now - since_seconds
    return {"tail_lines": tail, "since": since, "limit": limit}


class KubeletBackend:
    """Serves the connect subresources through the kubelets (see the module docstring).

    ``log_poll_seconds``: the longest a follow stream's single long poll on the
    kubelet lasts (how soon a client that went away is noticed).
    """

    def __init__(self, registry, kubelets: Kubelets, *, log_poll_seconds: float = 1.0,
                 rng: random.Random | None = None):
        self.registry = registry
        self.kubelets = kubelets
        self.log_poll_seconds = log_poll_seconds
        self.rng = rng or random.Random()

    async def connect(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        kind, sub = target.kind.kind, target.subresource
        if kind == "Pod":
            if sub == "log":
                return await self.log(request, target)
            if sub == "proxy":
                return await self.proxy_pod(request, target)
            if sub == "exec":
                return await self.exec(request, target)
            if sub == "attach":
                return await self.attach(request, target)
            raise service_unavailable(
                f"pods/{sub} is not served by the emulated kubelets (no port forwarding yet)")
        if kind == "Service" and sub == "proxy":
            return await self.proxy_service(request, target)
        if kind == "Node" and sub == "proxy":
            return await self.proxy_node(request, target)
        raise service_unavailable(f"{target.kind.plural}/{sub} is not served")

    # -- reaching a kubelet -------------------------------------------------------------

    async def _node(self, node_name: str) -> dict:
        try:
            return await self.registry.get("nodes", node_name)
        except errors.ApiError as exc:
            if exc.code == 404:
                raise service_unavailable(f'no kubelet serves node "{node_name}": the node '
                                          'is not registered') from None
            raise

    async def _call(self, node: dict, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self.kubelets.call(node, method, *args, **kwargs)
        except KubeletUnreachable as exc:
            raise service_unavailable(str(exc)) from None

    # -- log ------------------------------------------------------------------------

    async def log(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        q, pod = request.query, target.obj
        follow, previous = bool(bool_param(q, "follow")), bool(bool_param(q, "previous"))
        timestamps = bool(bool_param(q, "timestamps"))
        opts = _log_options(q, target.name, self.registry.clock.now())
        check_log_status(pod, target.container, previous)
        node = await self._node(pod["spec"]["nodeName"])
        args = (target.namespace, target.name, target.container)
        try:
            got = await self._call(node, "read_logs", *args, previous=previous,
                                   timestamps=timestamps, tail_lines=opts["tail_lines"],
                                   since=opts["since"])
        except (LookupError, ValueError) as exc:
            raise errors.bad_request(str(exc).strip("'\"")) from None
        limit = opts["limit"]
        data = got["text"].encode()
        if limit is not None:
            data = data[:limit]
        if not follow or not got["running"] or (limit is not None and len(data) >= limit):
            return web.Response(body=data, status=200, content_type="text/plain")
        resp = web.StreamResponse(status=200, headers={"Content-Type": "text/plain"})
        await resp.prepare(request)
        sent = len(data)
        try:
            if data:
                await resp.write(data)
            cursor = got["cursor"]
            while not _gone(request) and (limit is None or sent < limit):
                try:
                    got = await self._call(node, "read_logs", *args, timestamps=timestamps,
                                           cursor=cursor, wait=self.log_poll_seconds)
                except (LookupError, ValueError, errors.ApiError):
                    break       # the pod or its container is gone from the node
                cursor = got["cursor"]
                chunk = got["text"].encode()
                if limit is not None:
                    chunk = chunk[:limit - sent]
                if chunk:
                    await resp.write(chunk)
                    sent += len(chunk)
                if not got["running"]:
                    break
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass            # the client went away
        return resp

    # -- proxy ------------------------------------------------------------------------

    @staticmethod
    def _redirect_to_slash(request: web.Request) -> web.Response:
        query = f"?{request.query_string}" if request.query_string else ""
        return web.Response(status=301, headers={"Location": request.path + "/" + query})

    async def _relay(self, request: web.Request, pod: dict, port: int | None,
                     subpath: str) -> web.Response:
        meta, status = pod["metadata"], pod.get("status") or {}
        ip = status.get("podIP") or ""
        node_name = (pod.get("spec") or {}).get("nodeName")
        if port is None or not ip or not node_name:
            raise service_unavailable(f"error trying to reach service: dial tcp {ip}:"
                                      f"{port if port is not None else ''}: connect: "
                                      "connection refused")
        path = "/" + subpath
        if request.query_string:
            path += "?" + request.query_string
        headers = _relayed(request.headers)
        headers["Host"] = f"{ip}:{port}"
        body = await request.read()
        node = await self._node(node_name)
        try:
            code, out_headers, out = await self._call(
                node, "http_request", f"{meta['namespace']}/{meta['name']}", port,
                request.method, path, headers, body)
        except ConnectionRefusedError:
            raise service_unavailable(f"error trying to reach service: dial tcp {ip}:{port}: "
                                      "connect: connection refused") from None
        except LookupError as exc:
            raise service_unavailable(f"error trying to reach service: {exc}") from None
        out_headers = _relayed(out_headers or {})
        if not any(k.lower() == "content-type" for k in out_headers):
            out_headers["Content-Type"] = "text/plain; charset=utf-8"
        body = out.encode() if isinstance(out, str) else bytes(out)
        return web.Response(status=int(code), headers=out_headers, body=body)

    async def proxy_pod(self, request: web.Request, target: ConnectRequest) -> web.Response:
        if target.subpath is None:
            return self._redirect_to_slash(request)
        port = _container_port(target.obj, target.port or None)
        return await self._relay(request, target.obj, port, target.subpath)

    async def proxy_service(self, request: web.Request, target: ConnectRequest) -> web.Response:
        if target.subpath is None:
            return self._redirect_to_slash(request)
        svc, name = target.obj, target.name
        spec = svc.get("spec") or {}
        none = service_unavailable(f'no endpoints available for service "{name}"')
        selector = spec.get("selector") or {}
        if not selector or spec.get("type") == "ExternalName":
            raise none
        ports = spec.get("ports") or []
        if target.port:
            chosen = next((p for p in ports if p.get("name") == target.port or
                           str(p.get("port")) == target.port), None)
        else:
            chosen = ports[0] if len(ports) == 1 else next(
                (p for p in ports if not p.get("name")), None)
        if chosen is None:
            raise none
        listed = await self.registry.list(
            "pods", target.namespace,
            label_selector=",".join(f"{k}={v}" for k, v in sorted(selector.items())))
        ready = [p for p in listed.get("items") or [] if _pod_ready(p)]
        if not ready:
            raise none
        pod = self.rng.choice(ready)
        target_port = chosen.get("targetPort", chosen.get("port"))
        return await self._relay(request, pod, _container_port(pod, target_port), target.subpath)

    async def proxy_node(self, request: web.Request, target: ConnectRequest) -> web.Response:
        """The kubelet's own endpoints: ``healthz``, ``pods``, ``stats/summary``."""
        if target.subpath is None:
            return self._redirect_to_slash(request)
        node, path = target.obj, target.subpath.strip("/")
        if path == "healthz":
            await self._call(node, "info")
            return web.Response(text="ok", content_type="text/plain")
        if path == "stats/summary":
            summary = (await self._call(node, "stats")).get(target.name)
            if summary is None:
                raise service_unavailable(f'no kubelet serves node "{target.name}"')
            return web.json_response(summary)
        if path == "pods":
            listed = await self.registry.list("pods", None,
                                              field_selector=f"spec.nodeName={target.name}")
            return web.json_response({"kind": "PodList", "apiVersion": "v1", "metadata": {},
                                      "items": listed.get("items") or []})
        return web.Response(status=404, text="404 page not found\n", content_type="text/plain")

    # -- exec and attach ------------------------------------------------------------------

    async def exec(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        q = request.query
        argv = q.getall("command")
        opts = stream_options(q)
        node = await self._node(target.obj["spec"]["nodeName"])
        session = await ChannelSession.open(request, **opts)
        args = (target.namespace, target.name, target.container)
        try:
            if opts["tty"] and opts["stdin"] and is_interactive_shell(argv):
                await self._interactive(session, node, args, argv)
                return session.ws
            # Piped input (``-i`` without a terminal) is read to its end first; with a
            # terminal only an interactive shell reads it.
            stdin = await session.read_stdin() if opts["stdin"] and not opts["tty"] else None
            if session.closed:
                return session.ws
            try:
                out, err, code = await session.until_closed(
                    self._call(node, "exec", *args, list(argv), stdin))
            except (LookupError, ValueError, errors.ApiError) as exc:
                await session.finish(failure_status(exc))
                return session.ws
            await session.write_output(out, err)
            await session.finish(exit_status(code))
        except _ClientGone:
            pass
        finally:
            await session.close()
        return session.ws

    async def run_exec(self, namespace: str, name: str, command: list[str],
                       container: str | None = None, stdin: bytes | None = None
                       ) -> tuple[bytes, bytes, int]:
        """Exec without a stream (the Python API's ``exec``): the same checks as
        ``pods/exec`` (the pod, its container, a command, a node), then the kubelet
        plays ``command``; (stdout, stderr, exit code).  A command that cannot run
        at all is an ApiError with the Status kubectl would print."""
        pod = await self.registry.get("pods", name, namespace)
        container = _container(pod, container)
        if not command:
            raise errors.bad_request("you must specify at least 1 command")
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            raise errors.bad_request(f"pod {name} does not have a host assigned")
        node = await self._node(node_name)
        try:
            return await self._call(node, "exec", namespace, name, container,
                                    [str(a) for a in command], stdin)
        except (LookupError, ValueError) as exc:
            status = failure_status(exc)
            raise errors.ApiError({"kind": "Status", "apiVersion": "v1", **status}) from None

    async def _interactive(self, session: "ChannelSession", node: dict, args: tuple,
                           argv: list[str]) -> None:
        """``kubectl exec -it POD -- sh``: a line-at-a-time shell over the terminal.

        The terminal is raw on the client's side, so this plays the line discipline:
        it echoes keys, handles backspace, Ctrl-C and Ctrl-D, and runs each line
        as ``sh -c <line>`` in the container."""
        shell = argv[0].rsplit("/", 1)[-1]
        prompt = b"/ # " if shell in ("sh", "ash") else b"root@" + args[1].encode() + b":/# "
        await session.write(STDOUT, prompt)
        line, code = b"", 0
        while True:
            chunk = await session.next_stdin()
            if chunk is None:
                break
            done = False
            for byte in chunk:
                ch = bytes([byte])
                if ch in (b"\r", b"\n"):
                    await session.write(STDOUT, b"\r\n")
                    text = line.decode("utf-8", "replace").strip()
                    line = b""
                    if text in ("exit", "logout") or text.startswith("exit "):
                        parts = text.split()
                        code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
                        done = True
                        break
                    if text:
                        try:
                            out, err, code = await session.until_closed(self._call(
                                node, "exec", *args, [shell, "-c", text], None))
                        except (LookupError, ValueError, errors.ApiError) as exc:
                            await session.finish(failure_status(exc))
                            return
                        data = (out + err).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
                        await session.write(STDOUT, data)
                    await session.write(STDOUT, prompt)
                elif ch == b"\x04" and not line:          # Ctrl-D on an empty line
                    await session.write(STDOUT, b"exit\r\n")
                    done = True
                    break
                elif ch == b"\x03":                       # Ctrl-C
                    line = b""
                    await session.write(STDOUT, b"^C\r\n" + prompt)
                elif ch in (b"\x7f", b"\x08"):             # backspace
                    if line:
                        line = line[:-1]
                        await session.write(STDOUT, b"\x08 \x08")
                elif byte >= 0x20 or ch == b"\t":
                    line += ch
                    await session.write(STDOUT, ch)
            if done:
                break
        await session.finish(exit_status(code))

    async def attach(self, request: web.Request, target: ConnectRequest) -> web.StreamResponse:
        """``kubectl attach``: the container's output from now on, until it exits or the
        client leaves.  Played containers read no input: asking for stdin on a
        container without ``stdin: true`` is a 400."""
        q = request.query
        opts = stream_options(q)
        spec = next((c for c in (target.obj.get("spec") or {}).get("containers") or []
                     if c.get("name") == target.container), {})
        if opts["stdin"] and not spec.get("stdin"):
            raise errors.bad_request(f"container {target.container} in pod {target.name} was "
                                     "not created with stdin: true, so it cannot be attached "
                                     "to with -i")
        node = await self._node(target.obj["spec"]["nodeName"])
        session = await ChannelSession.open(request, **opts)
        args = (target.namespace, target.name, target.container)
        try:
            try:
                got = await self._call(node, "read_logs", *args, tail_lines=0)
            except (LookupError, ValueError) as exc:
                await session.finish(failure_status(exc))
                return session.ws
            cursor = got["cursor"]
            while not session.closed and got["running"]:
                try:
                    got = await session.until_closed(self._call(
                        node, "read_logs", *args, cursor=cursor, wait=self.log_poll_seconds))
                except _ClientGone:
                    return session.ws
                except (LookupError, ValueError):
                    break
                cursor = got["cursor"]
                if got["text"]:
                    await session.write(STDOUT if opts["stdout"] else STDERR,
                                        got["text"].encode())
            await session.finish(exit_status(0))
        finally:
            await session.close()
        return session.ws


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def stream_options(query) -> dict[str, bool]:
    """stdin/stdout/stderr/tty of exec and attach (kube-apiserver: at least one stream)."""
    opts = {name: bool(bool_param(query, name)) for name in ("stdin", "stdout", "stderr", "tty")}
    if not (opts["stdin"] or opts["stdout"] or opts["stderr"]):
        raise errors.bad_request("you must specify at least 1 of stdin, stdout, stderr")
    if opts["tty"]:
        opts["stderr"] = False      # a terminal has one output stream
    return opts


def is_interactive_shell(argv: list[str]) -> bool:
    """A shell reading commands from its terminal (``sh``, ``bash -il``, no ``-c``)."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in ("sh", "bash", "ash", "dash", "zsh"):
        return False
    return all(a.startswith("-") and "c" not in a[1:] for a in argv[1:])


# =========================================================== WebSocket channels

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
PROTOCOLS = (V5, V4)
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255         # v5: [255, channel] = the sender has finished writing to channel


def frame(channel: int, data: bytes = b"") -> bytes:
    """One channel message: the channel number, then the data."""
    return bytes([channel]) + bytes(data)


def unframe(message: bytes) -> tuple[int, bytes]:
    """(channel, data) of one binary message; (CLOSE, bytes([channel])) for a v5 close."""
    if not message:
        raise ValueError("empty channel message")
    return message[0], bytes(message[1:])


def exit_status(code: int) -> dict:
    """The error-channel Status for a command's exit (remotecommand v4+)."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return errors.non_zero_exit(code)


def failure_status(exc: BaseException) -> dict:
    """The error-channel Status for a command that could not run."""
    if isinstance(exc, errors.ApiError):
        return {"metadata": {}, **{k: v for k, v in exc.status.items()
                                   if k not in ("kind", "apiVersion", "metadata")}}
    message = str(exc).strip("'\"")
    return {"metadata": {}, "status": "Failure",
            "message": f"Internal error occurred: error executing command in container: "
                       f"{message}",
            "reason": "InternalError", "code": 500,
            "details": {"causes": [{"message": f"error executing command in container: "
                                               f"{message}"}]}}


class _ClientGone(Exception):
    pass


class ChannelSession:
    """The server side of one exec/attach WebSocket (kube-apiserver's wsstream).

    Opening it negotiates the subprotocol (v5 first), upgrades, and sends an
    empty message on the lowest output channel (the client's sign that the
    stream is up).  A reader task takes the client's messages: stdin data,
    v5 CLOSE of stdin (end of input), resize events (ignored), and the close
    of the connection; it also keeps answering the client's pings.
    :meth:`finish` writes the Status on the error channel and closes with a
    normal closure, which is how the client knows the command is over.
    """

    def __init__(self, ws: web.WebSocketResponse, protocol: str, streams: dict[str, bool]):
        self.ws = ws
        self.protocol = protocol
        self.streams = streams
        self._stdin: asyncio.Queue = asyncio.Queue()
        self._stdin_done = False
        self._gone = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self._finished = False

    @classmethod
    async def open(cls, request: web.Request, *, stdin: bool = False, stdout: bool = False,
                   stderr: bool = False, tty: bool = False) -> "ChannelSession":
        ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True, heartbeat=None,
                                   max_msg_size=16 * 1024 * 1024)
        ready = ws.can_prepare(request)
        if not ready.ok:
            raise errors.bad_request("Upgrade request required")
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
                   if p.strip()]
        if ready.protocol is None:
            raise errors.bad_request(
                f"unable to upgrade connection: requested protocol(s) are not supported: "
                f"[{' '.join(offered)}]; supports [{' '.join(PROTOCOLS)}]")
        await ws.prepare(request)
        session = cls(ws, ready.protocol, {"stdin": stdin, "stdout": stdout, "stderr": stderr,
                                           "tty": tty})
        session._reader = asyncio.get_running_loop().create_task(session._read())
        first = STDOUT if stdout else STDERR if stderr else ERROR
        await session.write(first, b"", force=True)
        return session

    @property
    def closed(self) -> bool:
        """The client has gone (or closed the connection)."""
        return self._gone.is_set()

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type != WSMsgType.BINARY or not msg.data:
                    continue
                channel, data = unframe(msg.data)
                if channel == CLOSE and self.protocol == V5:
                    if data and data[0] == STDIN:
                        self._end_stdin()
                elif channel == STDIN and not self._stdin_done:
                    self._stdin.put_nowait(data)
        except Exception:  # noqa: BLE001 - a broken connection ends the session
            log.debug("exec stream reader ended", exc_info=True)
        finally:
            self._end_stdin()
            self._gone.set()

    def _end_stdin(self) -> None:
        if not self._stdin_done:
            self._stdin_done = True
            self._stdin.put_nowait(None)

    async def next_stdin(self) -> bytes | None:
        """The next chunk the client typed or piped; None at the end of its input."""
        if self._stdin_done and self._stdin.empty():
            return None
        return await self._stdin.get()

    async def read_stdin(self) -> bytes:
        """Everything the client sends on stdin, up to its end (v5 CLOSE or hang-up)."""
        data = b""
        while (chunk := await self.next_stdin()) is not None:
            data += chunk
        return data

    async def until_closed(self, awaitable):
        """Await ``awaitable`` unless the client goes first (then :class:`_ClientGone`)."""
        task = asyncio.ensure_future(awaitable)
        gone = asyncio.ensure_future(self._gone.wait())
        try:
            await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:      # the handler itself (the connection is lost)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise
        finally:
            gone.cancel()
        if not task.done():                 # the client left first
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise _ClientGone()
        return task.result()

    async def write(self, channel: int, data: bytes, force: bool = False) -> None:
        if (data or force) and not self.ws.closed:
            try:
                await self.ws.send_bytes(frame(channel, data))
            except (ConnectionError, RuntimeError):
                self._gone.set()

    async def write_output(self, stdout: bytes, stderr: bytes) -> None:
        """A command's output on the channels the client asked for (a tty has one)."""
        if self.streams["tty"]:
            stdout = (stdout + stderr).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            stderr = b""
        if self.streams["stdout"]:
            await self.write(STDOUT, stdout)
        if self.streams["stderr"]:
            await self.write(STDERR, stderr)

    async def finish(self, status: dict) -> None:
        """Report how the command ended, then close (normal closure)."""
        if self._finished:
            return
        self._finished = True
        await self.write(ERROR, json.dumps(status, separators=(",", ":")).encode(), force=True)
        await self.close()

    async def close(self) -> None:
        if not self.ws.closed:
            try:
                await self.ws.close()
            except Exception:  # noqa: BLE001 - the client may be gone already
                pass
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), 1.0)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001
                self._reader.cancel()

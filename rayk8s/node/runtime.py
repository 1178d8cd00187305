"""The container runtime stub: plays images instead of running them.

One :class:`Runtime` per emulated node.  It keeps, per pod, the sandbox (the
pod's IP: the pod's network and volumes belong to it, so every container of
the pod shares them; like ``pause`` it is not a listed container), the
current and previous attempt of each container, and pulls in flight; per
node, the images pulled so far and the pod IP allocator.

Nothing here sleeps or schedules: each attempt's plan (an ``images.Play``) is
fixed when it starts, and its state at any time is computed from it -- still
creating until ``started_at``, running, then exited at its natural end (task
done, crash, OOM) or when a requested stop completes.  Lifecycle hooks are
played the same way, when the container starts (``postStart``: until it
completes the kubelet does not show it Running) and when a stop is asked for
(``preStop``: SIGTERM waits for it, within the grace period).  The kubelet asks
:meth:`observe` for the views podsync decides on, and learns from them when
the next change is due.

Played apps answer in-process: :meth:`http_request` (the Services work
delivers traffic through it) and :meth:`probe` (kubelet's probes).  Logs are
kept per attempt, bounded, and computed lazily for periodic output.
:meth:`exec` plays a command inside a running container (``exec.py``); what
an exec writes to the container's file system stays with that attempt (and
exec probes see it).
"""

from __future__ import annotations

import collections
import datetime as _dt
import ipaddress
import json
import math
import secrets
from typing import Callable, Iterable

from ..clock import Clock, RealClock
from . import exec as execmod, images, probes
from .images import Catalog, ImageRef, parse_ref
from .podsync import ContainerView, Observed, PullView, Terminated
from .script import DATE, interpret

_RATE_WINDOW = 10.0   # seconds over which request-driven CPU is averaged
# After a preStop hook, SIGTERM always comes with at least this long before SIGKILL
# (kubelet's minimumGracePeriodInSeconds).
MIN_GRACE_AFTER_HOOK = 2.0


class ConnectionRefused(ConnectionRefusedError):
    """Nothing in the pod listens on that port (or the pod is not here)."""


class NotServing(ConnectionRefused):
    """Service traffic to a pod that is no longer a ready endpoint (not Ready, or
    terminating): the data path picks another endpoint (see actors/delivery.py)."""


class ContainerNotRunning(LookupError):
    """An exec into a container that is not (or no longer) running."""


class Pull:
    __slots__ = ("image", "ref", "started_at", "done_at", "ok", "error", "size")

    def __init__(self, image, ref, started_at, done_at, ok, error, size):
        self.image, self.ref, self.started_at, self.done_at = image, ref, started_at, done_at
        self.ok, self.error, self.size = ok, error, size


class Container:
    """One attempt of one container."""

    __slots__ = ("id", "name", "init", "play", "attempt", "created_at", "started_at",
                 "stop_at", "stop_code", "kill_reason", "extra_logs", "requests", "rate",
                 "rate_at", "spec", "exec_files", "hooked_at", "hook_error",
                 "pre_stop_failed_at")

    def __init__(self, name: str, init: bool, play: images.Play, attempt: int,
                 created_at: float, started_at: float, spec: dict, max_logs: int):
        self.id = secrets.token_hex(32)
        self.name, self.init, self.play, self.attempt, self.spec = name, init, play, attempt, spec
        self.created_at, self.started_at = created_at, started_at
        self.stop_at: float | None = None
        self.stop_code = 0
        self.kill_reason = ""
        self.extra_logs: collections.deque = collections.deque(maxlen=max_logs)
        self.requests = 0           # requests served (for CPU)
        self.rate = 0.0             # requests/s, exponentially averaged
        self.rate_at = started_at
        self.exec_files: dict = {}  # what execs wrote or removed (exec.Files overlay)
        self.hooked_at: float | None = None       # its postStart hook completes
        self.hook_error = ""                      # ... having failed with this message
        self.pre_stop_failed_at: float | None = None

    def shows_running(self, now: float) -> bool:
        """Running, and its postStart hook has completed successfully (the kubelet
        reports it Running and probes it only from then on)."""
        return self.running(now) and not self.hook_error and \
            (self.hooked_at is None or now >= self.hooked_at)

    def end(self) -> tuple[float, int, str] | None:
        """(when, exit code, reason) of this attempt's exit, if it will exit."""
        p, natural = self.play, None
        if p.oom:
            natural = (self.started_at, 137, "OOMKilled")
        elif p.duration is not None:
            code = p.exit_code
            natural = (self.started_at + p.duration, code, "Completed" if code == 0 else "Error")
        if self.stop_at is not None and (natural is None or self.stop_at < natural[0]):
            code = self.stop_code
            return self.stop_at, code, "Completed" if code == 0 else "Error"
        return natural

    def ended(self, now: float) -> tuple[float, int, str] | None:
        end = self.end()
        return end if end is not None and now >= end[0] else None

    def running(self, now: float) -> bool:
        return now >= self.started_at and self.ended(now) is None

    def up(self, now: float) -> bool:
        """Running and past its start-up time: it serves."""
        return self.running(now) and now >= self.started_at + self.play.startup_seconds

    def terminated(self, now: float) -> Terminated | None:
        end = self.ended(now)
        if end is None:
            return None
        return Terminated(end[1], end[2], self.started_at, end[0], self.id)

    def view(self, now: float, last: "Container | None") -> ContainerView:
        end = self.end()
        change = min((t for t in (self.started_at, self.hooked_at, self.pre_stop_failed_at,
                                  end[0] if end is not None else None)
                      if t is not None and now < t < math.inf), default=None)
        return ContainerView(
            self.name, self.id, self.play.ref.full, self.play.ref.image_id, self.attempt,
            self.created_at, self.started_at, self.terminated(now),
            self.stop_at is not None and (end is None or now < end[0]), self.kill_reason,
            change, last.terminated(math.inf) if last is not None else None,
            self.hooked_at, self.hook_error, self.pre_stop_failed_at)

    def file_exists(self, path: str, now: float) -> bool:
        if path in self.exec_files:
            return self.exec_files[path] is not None
        elapsed, exists = now - self.started_at, True
        for at, p, present in self.play.files:
            if p == path and at <= elapsed:
                exists = present
        return exists

    def script_files(self, now: float) -> set[str]:
        """The files this attempt's own command has created by ``now``."""
        elapsed, present = now - self.started_at, {}
        for at, p, exists in self.play.files:
            if at <= elapsed:
                present[p] = exists
        return {p for p, exists in present.items() if exists}

    def note_request(self, now: float) -> None:
        if now > self.rate_at:
            self.rate *= math.exp(-(now - self.rate_at) / _RATE_WINDOW)
            self.rate_at = now
        self.rate += 1.0 / _RATE_WINDOW
        self.requests += 1

    def log_lines(self, now: float, limit: int) -> list[tuple[float, str]]:
        """Everything logged up to ``now`` (or the exit), oldest first, at most ``limit``."""
        end = self.end()
        until = min(now, end[0]) if end is not None else now
        start = self.started_at
        out = [(start + off, line) for off, line in self.play.logs if start + off <= until]
        if self.play.loop is not None:
            first, period, lines = self.play.loop
            if lines and until >= start + first:
                n = int((until - start - first) // period) + 1
                for k in range(max(0, n - limit // len(lines) - 1), n):
                    base = start + first + k * period
                    out.extend((base + off, line) for off, line in lines if base + off <= until)
        out.extend(item for item in self.extra_logs if item[0] <= now)
        out.sort(key=lambda item: item[0])
        return [(ts, _date(ts) if line == DATE else line) for ts, line in out[-limit:]]


def _date(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")


class PodRecord:
    __slots__ = ("uid", "namespace", "name", "annotations", "ip", "sandbox_id",
                 "sandbox_running", "containers", "previous", "pulls", "labels", "node_name",
                 "hostname", "service_account", "service_links", "volumes")

    def __init__(self, pod: dict):
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        self.uid, self.namespace, self.name = meta.get("uid", ""), meta.get("namespace", ""), \
            meta.get("name", "")
        self.annotations = dict(meta.get("annotations") or {})
        self.labels = dict(meta.get("labels") or {})
        self.node_name = spec.get("nodeName", "")
        self.hostname = spec.get("hostname") or self.name
        self.service_account = spec.get("serviceAccountName") or "default"
        self.service_links = spec.get("enableServiceLinks") is not False
        self.ip = ""
        self.sandbox_id = ""
        self.sandbox_running = False
        self.containers: dict[str, Container] = {}
        self.previous: dict[str, Container] = {}
        self.pulls: dict[str, Pull] = {}
        self.volumes: dict[str, dict] = {}      # emptyDir name -> what execs wrote in it


class PodIPs:
    """Pod IPs from the node's CIDR (.1 is the node's bridge), handed out round robin."""

    def __init__(self, cidr: str):
        net = ipaddress.ip_network(cidr, strict=False)
        self.gateway = str(net.network_address + 1)
        self._first, self._last = int(net.network_address) + 2, int(net.broadcast_address) - 1
        self._next = self._first
        self._by_uid: dict[str, int] = {}
        self._taken: set[int] = set()

    def allocate(self, uid: str) -> str:
        if uid in self._by_uid:
            return str(ipaddress.ip_address(self._by_uid[uid]))
        size = self._last - self._first + 1
        for _ in range(size):
            candidate, self._next = self._next, self._next + 1
            if self._next > self._last:
                self._next = self._first
            if candidate not in self._taken:
                self._taken.add(candidate)
                self._by_uid[uid] = candidate
                return str(ipaddress.ip_address(candidate))
        raise RuntimeError("failed to allocate for range 0: no IP addresses available in range set")

    def release(self, uid: str) -> None:
        addr = self._by_uid.pop(uid, None)
        if addr is not None:
            self._taken.discard(addr)

    def __len__(self) -> int:
        return len(self._by_uid)


class Runtime:
    """Plays the containers of one node."""

    def __init__(self, node_ip: str, pod_cidr: str, catalog: Catalog | None = None,
                 clock: Clock | None = None, *, pull_seconds: float = 0.2,
                 start_seconds: float = 0.1, default_task_seconds: float = 5.0,
                 accept_unknown_images: bool = False, max_log_lines: int = 200):
        self.node_ip = node_ip
        self.catalog = catalog if catalog is not None else images.DEFAULT
        self.clock = clock or RealClock()
        self.pull_seconds, self.start_seconds = pull_seconds, start_seconds
        self.default_task_seconds = default_task_seconds
        self.accept_unknown_images = accept_unknown_images
        self.max_log_lines = max_log_lines
        self.ips = PodIPs(pod_cidr)
        self.pods: dict[str, PodRecord] = {}
        self.by_key: dict[str, str] = {}          # "ns/name" -> uid
        self.images: dict[str, int] = {}          # full reference -> size
        # Writable volumes beyond a pod: claims ("ns/claim") and host paths of this node
        # -> what execs wrote in them (exec.Files overlays).
        self.claims: dict[str, dict] = {}
        self.host_paths: dict[str, dict] = {}
        # The cluster DNS as played apps query it (Request.lookup): (name, namespace) ->
        # addresses; set by the node shell from its kube-proxy tables (None: no DNS).
        self.dns: Callable[[str, str], list[str]] | None = None

    # -- catalog -----------------------------------------------------------------

    def resolve(self, image: str | ImageRef) -> images.Behaviour | None:
        found = self.catalog.resolve(image)
        if found is None and self.accept_unknown_images:
            return images.GENERIC
        return found

    # -- pods --------------------------------------------------------------------

    def _record(self, pod: dict) -> PodRecord:
        uid = pod["metadata"]["uid"]
        rec = self.pods.get(uid)
        if rec is None:
            rec = self.pods[uid] = PodRecord(pod)
            self.by_key[f"{rec.namespace}/{rec.name}"] = uid
        return rec

    def observe(self, uid: str, now: float) -> Observed:
        rec = self.pods.get(uid)
        present = frozenset(self.images)
        if rec is None:
            return Observed(images=present, node_ip=self.node_ip)
        views = {name: c.view(now, rec.previous.get(name)) for name, c in rec.containers.items()}
        pulls = {name: PullView(p.image, p.started_at, p.done_at, p.ok, p.error, p.size)
                 for name, p in rec.pulls.items()}
        return Observed(rec.ip, rec.sandbox_running, views, pulls, present, self.node_ip)

    def run_sandbox(self, pod: dict, now: float) -> str:
        rec = self._record(pod)
        if not rec.sandbox_running:
            host = bool((pod.get("spec") or {}).get("hostNetwork"))
            rec.ip = self.node_ip if host else self.ips.allocate(rec.uid)
            rec.sandbox_id = secrets.token_hex(32)
            rec.sandbox_running = True
        return rec.ip

    def stop_sandbox(self, uid: str, now: float) -> None:
        """Tear the sandbox down (its IP is released; the status keeps showing it)."""
        rec = self.pods.get(uid)
        if rec is not None and rec.sandbox_running:
            for c in rec.containers.values():
                if c.ended(now) is None:
                    self._stop(rec, c, 0, now, "delete")
            rec.sandbox_running = False
            rec.pulls.clear()
            self.ips.release(uid)

    def remove_pod(self, uid: str) -> None:
        rec = self.pods.pop(uid, None)
        if rec is not None:
            self.ips.release(uid)
            key = f"{rec.namespace}/{rec.name}"
            if self.by_key.get(key) == uid:
                del self.by_key[key]

    # -- images and containers -------------------------------------------------------

    def start_pull(self, pod: dict, name: str, image: str, now: float) -> None:
        rec, ref = self._record(pod), parse_ref(image)
        behaviour = self.resolve(ref)
        if behaviour is not None:
            pull = Pull(image, ref.full, now, now + self.pull_seconds, True, "", behaviour.size)
        else:
            pull = Pull(image, ref.full, now, now + self.pull_seconds, False, (
                f'rpc error: code = NotFound desc = failed to pull and unpack image '
                f'"{ref.full}": failed to resolve reference "{ref.full}": {ref.full}: not found'),
                0)
        rec.pulls[name] = pull

    def take_pull(self, uid: str, name: str) -> None:
        """The kubelet collected a finished pull; a good one leaves the image present."""
        rec = self.pods.get(uid)
        pull = rec.pulls.pop(name, None) if rec is not None else None
        if pull is not None and pull.ok:
            self.images[pull.ref] = pull.size

    def start_container(self, pod: dict, spec: dict, init: bool, attempt: int,
                        now: float) -> Container:
        rec, ref = self._record(pod), parse_ref(spec.get("image") or "")
        behaviour = self.resolve(ref) or images.GENERIC
        play = images.play(behaviour, ref, spec, rec.annotations, rec.name,
                           self.default_task_seconds)
        old = rec.containers.get(spec["name"])
        if old is not None:
            rec.previous[spec["name"]] = old
        c = Container(spec["name"], init, play, attempt, now, now + self.start_seconds, spec,
                      self.max_log_lines)
        rec.containers[spec["name"]] = c
        handler = (spec.get("lifecycle") or {}).get("postStart")
        if handler:
            # Right after the start; the kubelet's start call returns once it is done.
            took, error = self._hook(rec, c, handler, c.started_at)
            c.hooked_at = c.started_at + (math.inf if took is None else took)
            c.hook_error = error
        return c

    def stop_container(self, uid: str, name: str, grace: float, reason: str,
                       now: float) -> None:
        rec = self.pods.get(uid)
        c = rec.containers.get(name) if rec is not None else None
        if c is not None and c.ended(now) is None and c.stop_at is None:
            self._stop(rec, c, grace, now, reason)

    def _stop(self, rec: PodRecord, c: Container, grace: float, now: float,
              reason: str) -> None:
        """The preStop hook (if any, and ``grace`` > 0), then SIGTERM, then SIGKILL once
        ``grace`` (counted from the hook's start) has passed and the app has not exited.
        A hook still running when ``grace`` ends is given up; SIGTERM then comes with a
        last :data:`MIN_GRACE_AFTER_HOOK` seconds, as the kubelet gives."""
        c.kill_reason = reason
        if now < c.started_at:          # never got to run
            c.started_at, c.stop_at, c.stop_code = now, now, 137
            return
        term_at, left = now, max(grace, 0.0)
        handler = (c.spec.get("lifecycle") or {}).get("preStop")
        if handler and grace > 0:
            took, error = self._hook(rec, c, handler, now)
            took = math.inf if took is None else took
            if took < grace:
                term_at, left = now + took, grace - took
                if error:
                    c.pre_stop_failed_at = term_at
            else:
                term_at, left = now + grace, 0.0
            left = max(left, MIN_GRACE_AFTER_HOOK)
        stop = c.play.stop_seconds
        if stop is not None and stop <= left:
            c.stop_at, c.stop_code = term_at + stop, c.play.term_exit_code
        else:
            c.stop_at, c.stop_code = term_at + left, 137

    def _hook(self, rec: PodRecord, c: Container, handler: dict,
              at: float) -> tuple[float | None, str]:
        """Play a lifecycle hook of ``c`` starting at ``at``: (how long it takes, None:
        it never ends; the kubelet's error message, "" if it succeeded).  ``exec`` plays
        its command (one it cannot read takes no time and succeeds); ``httpGet`` is
        answered at once by the pod's app (only a failed connection fails it, as in
        the kubelet, which ignores the status code); ``sleep`` sleeps; ``tcpSocket``
        (deprecated) does nothing."""
        pod = f"{rec.name}_{rec.namespace}({rec.uid})"
        if "exec" in handler:
            argv = [str(a) for a in (handler.get("exec") or {}).get("command") or []]
            s = interpret(argv, {"HOSTNAME": rec.name}, 0.0,
                          exists=lambda path: c.file_exists(path, at))
            if not s.understood:
                return 0.0, ""
            for _, path, present in s.files:
                c.exec_files[path] = b"" if present else None
            if s.duration is None:
                return None, ""
            if s.exit_code == 0:
                return s.duration, ""
            output = "".join(line + "\n" for _, line in s.logs)
            command = " ".join(argv)
            return s.duration, (
                f'Exec lifecycle hook ([{command}]) for Container "{c.name}" in Pod "{pod}" '
                f"failed - error: command '{command}' exited with {s.exit_code}: {output}, "
                f"message: {json.dumps(output)}")
        if "httpGet" in handler:
            get = handler.get("httpGet") or {}
            port = probes.handler_port(get, c.spec) or 0
            path = get.get("path") or "/"
            path = path if path.startswith("/") else "/" + path
            server = self._server(rec, port, at)
            if server is None:
                return 0.0, (
                    f'HTTP lifecycle hook ({get.get("path") or ""}) for Container "{c.name}" '
                    f'in Pod "{pod}" failed - error: Get "http://{rec.ip}:{port}{path}": '
                    f"{probes.refused(rec.ip, port)}")
            headers = {h.get("name"): h.get("value") for h in get.get("httpHeaders") or []}
            headers.setdefault("User-Agent", "kube-lifecycle/1.32")
            self._answer(rec, server, port, "GET", path, headers, b"", self.ips.gateway, at)
            return 0.0, ""
        if "sleep" in handler:
            return max(0.0, float((handler.get("sleep") or {}).get("seconds") or 0)), ""
        return 0.0, ""

    def containers(self) -> Iterable[tuple[PodRecord, Container]]:
        for rec in self.pods.values():
            for c in rec.containers.values():
                yield rec, c

    # -- the played apps ---------------------------------------------------------------

    def _server(self, rec: PodRecord, port: int | None, now: float) -> Container | None:
        if not rec.sandbox_running or port is None:
            return None
        for c in rec.containers.values():
            if port in c.play.ports and c.play.behaviour.app is not None and c.up(now):
                return c
        return None

    def _answer(self, rec: PodRecord, c: Container, port: int, method: str, path: str,
                headers: dict, body: bytes, client: str, now: float) -> tuple[int, dict, bytes]:
        play = c.play
        if play.behaviour.paths is not None and path.split("?")[0] not in play.behaviour.paths:
            status, out_headers, out = 404, {"Content-Type": "text/html"}, (
                "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
                "<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n")
        else:
            status, out_headers, out = play.behaviour.app(images.Request(
                method, path, dict(headers), body, rec.name, rec.namespace, c.name, play.ref,
                port, rec.ip, client, now - c.started_at, self._lookup(rec.namespace)))
        data = out.encode() if isinstance(out, str) else bytes(out)
        agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "-")
        stamp = _dt.datetime.fromtimestamp(now, tz=_dt.timezone.utc).strftime(
            "%d/%b/%Y:%H:%M:%S +0000")
        c.extra_logs.append((now, f'{client} - - [{stamp}] "{method} {path} HTTP/1.1" '
                                  f'{status} {len(data)} "-" "{agent}"'))
        c.note_request(now)
        return status, dict(out_headers), data

    def _lookup(self, namespace: str) -> Callable[[str], list[str]]:
        dns = self.dns

        def lookup(name: str) -> list[str]:
            return dns(name, namespace) if dns is not None else []
        return lookup

    def http_request(self, pod_key: str, container_port: int, method: str = "GET",
                     path: str = "/", headers: dict | None = None, body: bytes = b"",
                     client: str = "") -> tuple[int, dict, bytes]:
        """Deliver one HTTP request to the app listening on ``container_port`` of the pod
        ``namespace/name``; ``(status, headers, body)``.  Raises :class:`ConnectionRefused`
        when nothing listens there (not running yet, wrong port, not an HTTP app)."""
        now = self.clock.now()
        rec = self.pods.get(self.by_key.get(pod_key, ""))
        if rec is None:
            raise ConnectionRefused(f"pod {pod_key} is not running on this node")
        c = self._server(rec, int(container_port), now)
        if c is None:
            raise ConnectionRefused(probes.refused(rec.ip, int(container_port)))
        return self._answer(rec, c, int(container_port), method.upper(), path or "/",
                            headers or {}, body, client or self.ips.gateway, now)

    def probe(self, uid: str, name: str, probe: dict, now: float) -> tuple[bool, str]:
        """Answer one probe of container ``name`` as its app would: (passed, message)."""
        rec = self.pods.get(uid)
        c = rec.containers.get(name) if rec is not None else None
        if c is None or not c.running(now):
            return False, "container is not running"
        if "exec" in probe:
            argv = list((probe.get("exec") or {}).get("command") or [])
            s = interpret(argv, {"HOSTNAME": rec.name}, 0.0,
                          exists=lambda path: c.file_exists(path, now))
            if not s.understood:
                return True, ""
            return s.exit_code == 0, "\n".join(line for _, line in s.logs)
        handler = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or {}
        port = probes.handler_port(handler, c.spec)
        server = self._server(rec, port, now)
        if "httpGet" in probe:
            url = probes.http_url(handler, rec.ip, port or 0)
            if server is None:
                return False, f'Get "{url}": {probes.refused(rec.ip, port or 0)}'
            headers = {h.get("name"): h.get("value") for h in handler.get("httpHeaders") or []}
            headers.setdefault("User-Agent", "kube-probe/1.32")
            status, _, _ = self._answer(rec, server, port, "GET", handler.get("path") or "/",
                                        headers, b"", self.ips.gateway, now)
            if 200 <= status < 400:
                return True, ""
            return False, f"HTTP probe failed with statuscode: {status}"
        if server is None:
            return False, probes.refused(rec.ip, port or 0)
        return True, ""

    def logs(self, namespace: str, name: str, container: str | None = None,
             previous: bool = False, now: float | None = None) -> list[tuple[float, str]]:
        """(time, line) pairs a container logged; ``previous``: the attempt before."""
        rec = self.pods.get(self.by_key.get(f"{namespace}/{name}", ""))
        if rec is None:
            raise LookupError(f'pods "{name}" not found on this node')
        names = list(rec.containers)
        if container is None:
            if len(names) != 1:
                raise ValueError(f"a container name must be specified for pod {name}, "
                                 f"choose one of: [{' '.join(names)}]")
            container = names[0]
        c = (rec.previous if previous else rec.containers).get(container)
        if c is None:
            raise LookupError(f'previous terminated container "{container}" in pod "{name}" '
                              "not found" if previous else
                              f'container "{container}" in pod "{name}" is waiting to start')
        return c.log_lines(self.clock.now() if now is None else now, self.max_log_lines)

    # -- exec ------------------------------------------------------------------------------

    def exec_context(self, pod_key: str, container: str | None, now: float | None = None,
                     services: list[dict] | None = None,
                     network: "execmod.Network | None" = None,
                     sources: "execmod.Sources | None" = None, pod: dict | None = None,
                     allocatable: dict | None = None) -> execmod.Context:
        """What a command exec'd in a running container of the pod ``namespace/name``
        sees (see exec.py): its environment (``services``: the Services the kubelet knew
        when the container started, whose variables it got; ``sources``: the
        ConfigMaps and Secrets the pod references), files (with the volumes of
        ``pod``, the full pod object, and the downward API over it; ``allocatable``:
        the node's, for limits left unset), hostname and ``network`` (None: no
        network)."""
        now = self.clock.now() if now is None else now
        rec = self.pods.get(self.by_key.get(pod_key, ""))
        namespace, _, name = pod_key.partition("/")
        if rec is None:
            raise LookupError(f'pods "{name}" not found on this node')
        if container is None:
            names = list(rec.containers)
            if len(names) != 1:
                raise ValueError(f"a container name must be specified for pod {name}, "
                                 f"choose one of: [{' '.join(names)}]")
            container = names[0]
        c = rec.containers.get(container)
        if c is None:
            raise ContainerNotRunning(f'container not found ("{container}")')
        if not c.running(now):
            raise ContainerNotRunning("container is not created or running")
        base = execmod.base_files(rec.hostname, rec.ip, rec.namespace)
        for path in c.script_files(now):
            base.setdefault(path, b"")
        view = {"metadata": {"name": rec.name, "namespace": rec.namespace, "uid": rec.uid,
                             "labels": rec.labels, "annotations": rec.annotations},
                "spec": {"nodeName": rec.node_name, "serviceAccountName": rec.service_account},
                "status": {"podIP": rec.ip, "hostIP": self.node_ip}}
        # The volumes' downward API follows the pod's current metadata; the env's is
        # the one the container started with.
        full = pod or {}
        live = {"metadata": {**view["metadata"], **(full.get("metadata") or {})},
                "spec": {**(full.get("spec") or {}), **view["spec"]},
                "status": {**(full.get("status") or {}), **view["status"]}}
        files, dirs = execmod.volume_files(live, c.spec, sources, now, allocatable)
        base.update(files)
        process = " ".join(c.play.argv) or "/" + c.play.ref.repository.rsplit("/", 1)[-1]
        links = execmod.service_env(services or (), rec.namespace, rec.service_links)
        env = execmod.container_env(c.spec, {**live, "metadata": view["metadata"]},
                                    rec.hostname, links, sources=sources,
                                    allocatable=allocatable)
        files = execmod.Files(base, c.exec_files, dirs, self._writable(rec, c.spec, full))
        return execmod.Context(env, files, now, rec.hostname,
                               rec.ip, process, network=network)

    def _writable(self, rec: PodRecord, container: dict,
                  pod: dict) -> dict[str, tuple[dict, str]]:
        """The writable volumes ``container`` mounts: mount path -> (the volume's overlay,
        its subPath).  An ``emptyDir`` (or ``ephemeral``) belongs to the pod, shared by
        its containers; a claim or a host path to this node, shared by its pods."""
        volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or []
                   if isinstance(v, dict)}
        out: dict[str, tuple[dict, str]] = {}
        for mount in container.get("volumeMounts") or []:
            if not isinstance(mount, dict) or mount.get("readOnly") or \
                    not mount.get("mountPath") or mount.get("name") not in volumes:
                continue
            volume = volumes[mount["name"]]
            if "emptyDir" in volume or "ephemeral" in volume:
                entries = rec.volumes.setdefault(mount["name"], {})
            elif isinstance(volume.get("persistentVolumeClaim"), dict):
                claim = volume["persistentVolumeClaim"].get("claimName") or ""
                entries = self.claims.setdefault(f"{rec.namespace}/{claim}", {})
            elif isinstance(volume.get("hostPath"), dict):
                entries = self.host_paths.setdefault(
                    str(volume["hostPath"].get("path") or "/"), {})
            else:
                continue
            sub = str(mount.get("subPath") or "").strip("/")
            out[str(mount["mountPath"])] = (entries, f"/{sub}" if sub else "")
        return out

    def exec_play(self, pod_key: str, container: str | None, argv: list[str],
                  stdin: bytes | None = None, now: float | None = None,
                  services: list[dict] | None = None) -> execmod.ExecResult:
        """Play ``argv`` exec'd in a running container of the pod ``namespace/name``
        (the whole result, including how many cluster seconds the command takes), with
        no network (see :meth:`exec_context`)."""
        return execmod.play(list(argv), self.exec_context(pod_key, container, now, services),
                            stdin)

    def exec(self, pod_key: str, container: str | None, argv: list[str],
             stdin: bytes | None = None,
             services: list[dict] | None = None) -> tuple[bytes, bytes, int]:
        """``kubectl exec``: (stdout, stderr, exit code) of ``argv`` played in the container.
        Raises LookupError (pod not here; :class:`ContainerNotRunning`)."""
        result = self.exec_play(pod_key, container, argv, stdin, services=services)
        return result.stdout, result.stderr, result.exit_code

    def attempt(self, pod_key: str, container: str, previous: bool = False) -> Container | None:
        """The current (or previous) attempt of ``container``, if there is one."""
        rec = self.pods.get(self.by_key.get(pod_key, ""))
        return (rec.previous if previous else rec.containers).get(container) \
            if rec is not None else None

    def container_started(self, pod_key: str, container: str) -> float | None:
        """When the current attempt of ``container`` started (None: no such container)."""
        rec = self.pods.get(self.by_key.get(pod_key, ""))
        c = rec.containers.get(container) if rec is not None else None
        return c.started_at if c is not None else None

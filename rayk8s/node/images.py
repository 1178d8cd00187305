"""The image catalog: what each image *does*, written as data.

The runtime stub never runs an image; it plays a :class:`Behaviour` looked up
here by the image's name (with or without registry, tag or digest:
``nginx``, ``docker.io/library/nginx:1.25``, ``registry.k8s.io/echoserver:1.10``
all find their entry).  A behaviour is one of four kinds:

- ``http``: a server.  It listens on ``ports`` (or the container's declared
  ports, or ``default_port``) once ``startup_seconds`` have passed, answers
  requests with ``app(request) -> (status, headers, body)``, and runs until it
  is stopped (or ``duration``/``crash_after`` end it).
- ``task``: plays its ``command``/``args`` (see script.py): ``sleep 5``,
  ``exit 3``, ``sh -c "..."``.  With neither, the image's own ``command``.
- ``stress``: burns the CPU and memory its args ask for (``--cpus 2``,
  ``--cpu 2``, ``--vm-bytes 150M``, ``-mem-total 150Mi``, ``--timeout 60s``).
- ``idle``: runs doing nothing (``pause``), or exits after ``duration`` with
  ``exit_code`` (the crash image).

Pods override any of it per pod or per container with annotations:
``rayk8s.io/duration``, ``rayk8s.io/exit-code``, ``rayk8s.io/cpu`` (cores, or a
profile ``"0:0.1,60:0.9"`` of seconds-after-start:cores), ``rayk8s.io/memory``,
``rayk8s.io/crash-after``, ``rayk8s.io/startup-seconds``,
``rayk8s.io/stop-seconds``; ``rayk8s.io/cpu.web`` applies to container ``web``
only.  :func:`play` folds image, spec and annotations into a :class:`Play`,
the frozen plan of one container run.

Users add behaviours with ``DEFAULT.register("myorg/api", Behaviour(...))`` in
the process hosting the kubelets, or pass ``{"images": {name: Behaviour}}`` in
the node shell's config (behaviours are picklable when their ``app`` is).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from typing import Callable, NamedTuple

from ..api import quantity
from . import script as scriptmod

Mi = 1024 ** 2
ANNOTATION_PREFIX = "rayk8s.io/"


class ImageRef(NamedTuple):
    registry: str
    repository: str
    tag: str
    digest: str

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def full(self) -> str:
        """The runtime's spelling (``docker.io/library/nginx:latest``), as in pod status."""
        return f"{self.name}@{self.digest}" if self.digest and not self.tag else \
            f"{self.name}:{self.tag or 'latest'}"

    @property
    def image_id(self) -> str:
        digest = self.digest or "sha256:" + hashlib.sha256(self.full.encode()).hexdigest()
        return f"{self.name}@{digest}"


def parse_ref(image: str) -> ImageRef:
    """Docker's reference normalisation: ``nginx`` -> ``docker.io/library/nginx:latest``."""
    name, _, digest = image.strip().partition("@")
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
    tag = ""
    if ":" in path.rsplit("/", 1)[-1]:
        path, tag = path.rsplit(":", 1)
    if registry == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return ImageRef(registry, path.lower(), tag or ("" if digest else "latest"), digest)


def no_dns(name: str) -> list[str]:
    """The lookup of a pod without cluster DNS: nothing resolves."""
    return []


@dataclass(frozen=True)
class Request:
    """One HTTP request delivered to a played app."""

    method: str
    path: str
    headers: dict
    body: bytes
    pod: str
    namespace: str
    container: str
    image: ImageRef
    port: int
    pod_ip: str = ""
    client: str = ""
    uptime: float = 0.0     # seconds since the container started
    # The cluster DNS from the pod: ``req.lookup("db")`` -> addresses ([] if none), with
    # the pod's search list ("db" is "db.<its namespace>.svc.cluster.local").
    lookup: Callable[[str], list[str]] = field(default=no_dns, compare=False, repr=False)

    @property
    def tag(self) -> str:
        return self.image.tag


Response = tuple  # (status: int, headers: dict[str, str], body: bytes | str)
App = Callable[[Request], Response]


@dataclass(frozen=True)
class Behaviour:
    """What an image does.  Durations are seconds of cluster time."""

    kind: str = "http"                      # "http" | "task" | "stress" | "idle"
    app: App | None = None                  # the HTTP answer (http kind)
    ports: tuple[int, ...] = ()             # fixed listening ports; () = declared ones
    default_port: int = 8080                # when neither is given
    paths: tuple[str, ...] | None = None    # served paths (None: all); others 404
    command: tuple[str, ...] = ()           # the image's default argv (tasks)
    duration: float | None = None           # exits after this long; None: until stopped
    exit_code: int = 0                      # the code of that exit
    crash_after: float | None = None        # exits with code 1 (or exit_code) after this
    startup_seconds: float = 0.0            # from start until it serves
    stop_seconds: float | None = 0.0        # SIGTERM to exit; None: ignores SIGTERM
    term_exit_code: int = 0                 # exit code after a SIGTERM
    cpu: float = 0.001                      # cores used while running
    cpu_per_request: float = 0.0            # core-seconds each request costs
    memory: int = 8 * Mi                    # working set bytes
    size: int = 5 * Mi                      # image size, for the Pulled event
    start_logs: tuple[str, ...] = ()        # what it logs when it starts
    description: str = ""


# -- HTTP apps ------------------------------------------------------------------

def hello_world(req: Request) -> Response:
    """The seed's Go web server: ``Hello world !`` and the pod's hostname."""
    body = f"Hello world !\nhostname:{req.pod}\n"
    if req.tag and not req.tag.startswith("v1") and req.tag != "latest":
        body += f"version:{req.tag}\n"
    return 200, {"Content-Type": "text/plain; charset=utf-8"}, body


def hello_app(req: Request) -> Response:
    """gcr.io/google-samples/hello-app."""
    version = req.tag if req.tag.count(".") >= 2 else f"{req.tag or '1.0'}.0"
    return 200, {"Content-Type": "text/plain; charset=utf-8"}, \
        f"Hello, world!\nVersion: {version}\nHostname: {req.pod}\n"


_NGINX_PAGE = ("<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n"
               "<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web "
               "server is successfully installed and\nworking. Further configuration is "
               "required.</p>\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n")


def nginx(req: Request) -> Response:
    return 200, {"Server": "nginx/1.27.3", "Content-Type": "text/html"}, _NGINX_PAGE


def httpd(req: Request) -> Response:
    return 200, {"Server": "Apache/2.4.62 (Unix)", "Content-Type": "text/html"}, \
        "<html><body><h1>It works!</h1></body></html>\n"


def echoserver(req: Request) -> Response:
    """registry.k8s.io/echoserver: the request, echoed."""
    path, _, query = req.path.partition("?")
    host = req.headers.get("host") or req.headers.get("Host") or f"{req.pod_ip}:{req.port}"
    headers = "\n".join(f"\t{k.lower()}={v}" for k, v in sorted(req.headers.items()))
    body = req.body.decode("utf-8", "replace") if req.body else "-no body in request-"
    return 200, {"Content-Type": "text/plain"}, (
        f"\n\nHostname: {req.pod}\n\nPod Information:\n\t-no pod information available-\n\n"
        "Server values:\n\tserver_version=nginx: 1.13.3 - lua: 10008\n\n"
        f"Request Information:\n\tclient_address={req.client}\n\tmethod={req.method}\n"
        f"\treal path={path}\n\tquery={query}\n\trequest_version=1.1\n"
        f"\trequest_scheme=http\n\trequest_uri=http://{host}{req.path}\n\n"
        f"Request Headers:\n{headers}\n\nRequest Body:\n\t{body}\n")


def php_apache(req: Request) -> Response:
    """registry.k8s.io/hpa-example: each request burns some CPU, answers OK!."""
    return 200, {"Content-Type": "text/html"}, "OK!"


def liveness(req: Request) -> Response:
    """registry.k8s.io/liveness: /healthz is fine for 10 s, then fails."""
    if req.path.startswith("/healthz") and req.uptime > 10:
        return 500, {}, f"error: {req.uptime:.1f}"
    return 200, {}, "ok"


def generic(req: Request) -> Response:
    return 200, {"Content-Type": "text/plain"}, \
        f"rayk8s: {req.image.full} on {req.pod}\n"


_TASK = dict(kind="task", cpu=0.0, memory=1 * Mi, term_exit_code=143)

BUILTIN: dict[str, Behaviour] = {
    "hello-world": Behaviour(app=hello_world, default_port=8080, size=7 * Mi,
                             description="the seed's web server"),
    "google-samples/hello-app": Behaviour(app=hello_app, ports=(8080,), size=11 * Mi),
    "nginx": Behaviour(app=nginx, ports=(80,), paths=("/", "/index.html"),
                       memory=4 * Mi, size=72 * Mi, start_logs=(
                           "/docker-entrypoint.sh: Configuration complete; ready for start up",)),
    "httpd": Behaviour(app=httpd, ports=(80,), paths=("/", "/index.html"), size=58 * Mi),
    "echoserver": Behaviour(app=echoserver, ports=(8080,), size=46 * Mi),
    "hpa-example": Behaviour(app=php_apache, ports=(80,), cpu=0.001, cpu_per_request=0.1,
                             memory=10 * Mi, size=190 * Mi),
    "liveness": Behaviour(app=liveness, ports=(8080,), size=2 * Mi),
    "pause": Behaviour(kind="idle", cpu=0.0, memory=256 * 1024, size=300 * 1024),
    "rayk8s/crash": Behaviour(kind="idle", duration=1.0, exit_code=1, size=1 * Mi,
                              start_logs=("starting", "fatal: crashing on purpose")),
    "busybox": Behaviour(command=("sh",), size=2 * Mi, **_TASK),
    "alpine": Behaviour(command=("/bin/sh",), size=4 * Mi, **_TASK),
    "ubuntu": Behaviour(command=("/bin/bash",), size=29 * Mi, **_TASK),
    "debian": Behaviour(command=("bash",), size=49 * Mi, **_TASK),
    "python": Behaviour(command=("python3",), size=380 * Mi, **_TASK),
    "perl": Behaviour(command=("perl", "-de0"), size=340 * Mi, **_TASK),
    "stress": Behaviour(kind="stress", cpu=0.0, memory=1 * Mi, size=4 * Mi),
}
BUILTIN["crashloop"] = BUILTIN["rayk8s/crash"]
GENERIC = Behaviour(app=generic, description="an image the catalog does not know")


class Catalog:
    """Image name -> Behaviour, matched with or without registry, tag, digest."""

    def __init__(self, entries: dict[str, Behaviour] | None = None):
        self._entries: dict[str, Behaviour] = {}
        for name, behaviour in (entries or {}).items():
            self.register(name, behaviour)

    def register(self, name: str, behaviour: Behaviour) -> None:
        """Add or replace ``name`` (``"myorg/app"``, ``"gcr.io/x/app"``, ``"app"``)."""
        ref = parse_ref(name)
        key = ref.name if "/" in name.split(":")[0] else ref.repository.removeprefix("library/")
        self._entries[key.removeprefix("docker.io/")] = behaviour

    def copy(self) -> "Catalog":
        out = Catalog()
        out._entries = dict(self._entries)
        return out

    def names(self) -> list[str]:
        return sorted(self._entries)

    def resolve(self, image: str | ImageRef) -> Behaviour | None:
        """The behaviour of ``image``, or None if the catalog does not know it."""
        ref = image if isinstance(image, ImageRef) else parse_ref(image)
        repo = ref.repository
        for key in (ref.name, repo, repo.removeprefix("library/"), repo.rsplit("/", 1)[-1]):
            found = self._entries.get(key.removeprefix("docker.io/"))
            if found is not None:
                return found
        return None


DEFAULT = Catalog(BUILTIN)


def register(name: str, behaviour: Behaviour) -> None:
    """Add ``behaviour`` to the default catalog of this process."""
    DEFAULT.register(name, behaviour)


# -- one container run ------------------------------------------------------------

@dataclass(frozen=True)
class Play:
    """The plan of one container run, fixed when it starts (offsets from start)."""

    behaviour: Behaviour
    ref: ImageRef
    ports: frozenset[int] = frozenset()
    duration: float | None = None           # natural exit after this long
    exit_code: int = 0
    oom: bool = False                       # killed by the kernel at once
    startup_seconds: float = 0.0
    stop_seconds: float | None = 0.0
    term_exit_code: int = 0
    cpu: tuple[tuple[float, float], ...] = ((0.0, 0.0),)   # (offset, cores) steps
    cpu_limit: float | None = None
    cpu_per_request: float = 0.0
    memory: int = 0
    logs: tuple[tuple[float, str], ...] = ()
    loop: tuple | None = None
    files: tuple[tuple[float, str, bool], ...] = ()
    argv: tuple[str, ...] = field(default=())


def annotation(annotations: dict, prop: str, container: str) -> str | None:
    """``rayk8s.io/<prop>.<container>``, else ``rayk8s.io/<prop>``."""
    value = annotations.get(f"{ANNOTATION_PREFIX}{prop}.{container}")
    return value if value is not None else annotations.get(f"{ANNOTATION_PREFIX}{prop}")


def parse_cpu(text: str) -> tuple[tuple[float, float], ...]:
    """``"0.5"`` or ``"500m"`` -> constant; ``"0:0.1,60:0.9"`` -> steps."""
    steps = []
    for part in str(text).split(","):
        if ":" in part:
            at, cores = part.split(":", 1)
            steps.append((float(at), float(quantity.parse_quantity(cores.strip()))))
        else:
            steps.append((0.0, float(quantity.parse_quantity(part.strip()))))
    return tuple(sorted(steps)) or ((0.0, 0.0),)


def _seconds(text: str) -> float | None:
    text = str(text).strip()
    if text in ("none", "never", "infinity", "-1", ""):
        return None
    return scriptmod.sleep_seconds(text)


_STRESS_CPU = re.compile(r"^-{1,2}(cpus?|c)$")
_STRESS_BYTES = re.compile(r"(\d+(?:\.\d+)?)([bBkKmMgG]?)")


def _stress_bytes(text: str) -> int:
    """stress's ``150M`` (binary units) or a Kubernetes quantity (``150Mi``)."""
    match = _STRESS_BYTES.fullmatch(text)
    if match:
        unit = {"": 1, "b": 1, "k": 1024, "m": Mi, "g": 1024 ** 3}[match.group(2).lower()]
        return int(float(match.group(1)) * unit)
    return quantity.to_bytes(text)


def _stress(args: list[str]) -> tuple[float, int, float | None]:
    """(cores, memory bytes, duration) from stress / vish-stress style args."""
    pairs, i = [], 0
    while i < len(args):
        if not args[i].startswith("-"):
            i += 1
        elif "=" in args[i]:
            pairs.append(tuple(args[i].split("=", 1)))
            i += 1
        else:
            pairs.append((args[i], args[i + 1] if i + 1 < len(args) else ""))
            i += 2
    cores, workers, per_worker, duration = 0.0, 1, 0, None
    for arg, val in pairs:
        if _STRESS_CPU.match(arg):
            cores += float(val)
        elif arg in ("--vm", "-m"):
            workers = int(val)
        elif arg in ("--vm-bytes", "-mem-total", "--mem-total"):
            per_worker = _stress_bytes(val)
        elif arg in ("--timeout", "-t", "-timeout"):
            duration = scriptmod.sleep_seconds(val)
    return cores, per_worker * workers, duration


def play(behaviour: Behaviour, ref: ImageRef, container: dict, annotations: dict,
         pod_name: str, default_seconds: float = 5.0) -> Play:
    """Fold image, container spec and annotations into one run's plan."""
    name = container.get("name", "")
    declared = frozenset(int(p["containerPort"]) for p in container.get("ports") or []
                         if isinstance(p, dict) and p.get("containerPort"))
    ports: frozenset[int] = frozenset()
    if behaviour.kind == "http":
        ports = frozenset(behaviour.ports) or declared or frozenset({behaviour.default_port})
    command, args = list(container.get("command") or []), list(container.get("args") or [])
    argv = command + args if command else (args or list(behaviour.command))
    out = Play(behaviour, ref, ports, behaviour.duration, behaviour.exit_code,
               startup_seconds=behaviour.startup_seconds, stop_seconds=behaviour.stop_seconds,
               term_exit_code=behaviour.term_exit_code, cpu=((0.0, behaviour.cpu),),
               cpu_per_request=behaviour.cpu_per_request, memory=behaviour.memory,
               logs=tuple((0.0, line) for line in behaviour.start_logs), argv=tuple(argv))
    if behaviour.kind == "task" and argv:
        env = {"HOSTNAME": pod_name}
        env.update({e["name"]: str(e.get("value", "")) for e in container.get("env") or []
                    if isinstance(e, dict) and "name" in e})
        s = scriptmod.interpret(argv, env, default_seconds)
        out = replace(out, duration=s.duration, exit_code=s.exit_code, logs=s.logs,
                      loop=s.loop, files=s.files, cpu=((0.0, max(s.cpu, behaviour.cpu)),))
    elif behaviour.kind == "stress":
        cores, memory, duration = _stress(argv)
        out = replace(out, cpu=((0.0, cores),), memory=max(memory, behaviour.memory),
                      duration=duration)
    out = _annotated(out, annotations, name)
    limits = (container.get("resources") or {}).get("limits") or {}
    if limits.get("cpu"):
        out = replace(out, cpu_limit=float(quantity.parse_quantity(limits["cpu"])))
    if limits.get("memory") and out.memory > quantity.to_bytes(limits["memory"]):
        out = replace(out, oom=True)
    return out


def _annotated(out: Play, annotations: dict, name: str) -> Play:
    get = lambda prop: annotation(annotations, prop, name)  # noqa: E731
    if (value := get("duration")) is not None:
        out = replace(out, duration=_seconds(value))
    if (value := get("exit-code")) is not None:
        out = replace(out, exit_code=int(value))
    if (value := get("cpu")) is not None:
        out = replace(out, cpu=parse_cpu(value))
    if (value := get("memory")) is not None:
        out = replace(out, memory=quantity.to_bytes(value))
    if (value := get("startup-seconds")) is not None:
        out = replace(out, startup_seconds=float(value))
    if (value := get("stop-seconds")) is not None:
        out = replace(out, stop_seconds=_seconds(value))
    if (value := get("crash-after")) is not None:
        after = float(value)
        if out.duration is None or after < out.duration or out.exit_code == 0:
            code = int(get("exit-code") or 0) or 1
            out = replace(out, duration=after, exit_code=code)
    return out

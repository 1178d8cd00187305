"""``kubectl exec``: commands played inside an emulated container (pure).

The runtime stub runs no processes, so an exec'd command is *played* against
a small view of the container, a :class:`Context`: its environment (as the
kubelet builds it, :func:`container_env`), its hostname and IP, the clock,
and a file system (:class:`Files`) holding what every image "has"
(``/etc/hostname``, ``/etc/hosts`` with the pod's IP and name,
``/etc/resolv.conf``, ``/etc/passwd``), the pod's volumes at the container's
mount paths (:func:`volume_files`: ConfigMaps, Secrets, the downward API,
projected volumes, empty directories for ``emptyDir`` and the rest, and the
service account's ``/var/run/secrets/kubernetes.io/serviceaccount``), the files
the container's own command created (script.py's timeline) and whatever earlier
execs wrote.

The ConfigMaps and Secrets the pod references (:class:`Sources`) are read when
the command runs (the node shell fetches them for each exec): a configMap or
secret volume shows an update on the next exec, as the kubelet's periodic sync
makes it appear in a real container (there, after up to a minute or so).  The
environment's ``configMapKeyRef``/``secretKeyRef``/``envFrom`` values are as of
the exec too, a simplification: a real container keeps the environment it
started with.

Played commands: ``env``, ``printenv [NAME...]``, ``hostname [-i]``, ``echo``,
``printf``, ``cat``, ``ls``, ``pwd``, ``date``, ``true``, ``false``, ``sleep N``
(the command takes N cluster seconds: :attr:`ExecResult.seconds`), ``whoami``,
``id``, ``uname``, ``touch``, ``rm``, ``mkdir``, ``test``/``[``, ``grep``,
``head``, ``tail``, ``wc``, ``sort``, ``ps``, ``which``, and the network commands of
netcmds.py: ``nslookup``, ``getent`` (``hosts``, ``ahosts``, ``passwd``...), ``curl`` and
``wget``, over the pod's :class:`Network` (cluster DNS and requests to pods and
Services; ``Context.network`` None: no network).  Shells (``sh``,
``bash``, ...) take ``-c "<script>"`` (or a script on stdin) with ``;``,
``&&``, ``||``, ``|``, redirections (``> f``, ``>> f``, ``< f``, ``2>&1``,
``2>/dev/null``), quotes, ``$VAR``/``${VAR}``/``$?``/``$(cmd)``, assignments,
``export``, ``cd`` and ``exit N``.  Control structures (``if``, ``for``,
``while``) are not played.

Anything else is not found: exit code 127, with the OCI runtime's message
when exec'd directly and the shell's (``sh: x: not found``) inside a shell.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import math
import posixpath
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Iterable, Protocol

from ..api import dns, quantity
from ..api import names as apinames
from . import netcmds

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
NOT_FOUND = 127
_ROOT_DIRS = ("bin", "dev", "etc", "home", "lib", "proc", "root", "run", "sbin", "sys", "tmp",
              "usr", "var")
_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "for", "while", "until", "do",
                       "done", "case", "esac", "function", "{", "}", "(", ")"})


@dataclass(frozen=True)
class ExecResult:
    stdout: bytes
    stderr: bytes
    exit_code: int
    seconds: float = 0.0        # how long the command runs, in cluster seconds (math.inf: forever)


# -- the environment -------------------------------------------------------------------

def _pod_field(pod: dict, path: str) -> str | None:
    """A ``fieldRef`` path the kubelet resolves (downward API)."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": spec.get("nodeName"),
              "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
              "status.podIP": status.get("podIP"), "status.hostIP": status.get("hostIP"),
              "status.podIPs": status.get("podIP"), "status.hostIPs": status.get("hostIP")}
    if path in simple:
        return simple[path] or ""
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']*)'\]", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    return None


_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def _expand_refs(value: str, env: dict[str, str]) -> str:
    """Kubernetes' ``$(VAR)`` expansion of env values (``$$`` escapes)."""
    def repl(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)
    return _REF.sub(repl, value)


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_")


def service_env(services: Iterable[dict], namespace: str,
                enable_service_links: bool = True) -> list[tuple[str, str]]:
    """The kubelet's service variables (``FOO_SERVICE_HOST``, ``FOO_PORT_80_TCP``...):
    ``default/kubernetes`` always, the namespace's other Services when
    ``enableServiceLinks``; Services without a ClusterIP are left out."""
    chosen: dict[str, dict] = {}
    for svc in services:
        meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
        ip, ports = spec.get("clusterIP"), spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        if meta.get("namespace") == "default" and meta.get("name") == "kubernetes":
            chosen.setdefault("kubernetes", svc)
        elif meta.get("namespace") == namespace and enable_service_links:
            chosen[meta.get("name", "")] = svc
    out: list[tuple[str, str]] = []
    for name in sorted(chosen):
        spec = chosen[name]["spec"]
        prefix, ip, ports = _env_name(name), spec["clusterIP"], spec["ports"]
        out.append((f"{prefix}_SERVICE_HOST", ip))
        out.append((f"{prefix}_SERVICE_PORT", str(ports[0].get("port"))))
        out.extend((f"{prefix}_SERVICE_PORT_{_env_name(p['name'])}", str(p.get("port")))
                   for p in ports if p.get("name"))
        for i, p in enumerate(ports):
            proto = (p.get("protocol") or "TCP").upper()
            url = f"{proto.lower()}://{ip}:{p.get('port')}"
            if i == 0:
                out.append((f"{prefix}_PORT", url))
            base = f"{prefix}_PORT_{p.get('port')}_{proto}"
            out += [(base, url), (f"{base}_PROTO", proto.lower()),
                    (f"{base}_PORT", str(p.get("port"))), (f"{base}_ADDR", ip)]
    return out


@dataclass(frozen=True)
class Sources:
    """The ConfigMaps and Secrets of the pod's namespace that the pod references, as
    read when the command runs: name -> key -> value (a ConfigMap's ``data`` as str,
    its ``binaryData`` and a Secret's values base64-decoded to bytes).  A name that
    is not here does not exist."""
    config_maps: dict = field(default_factory=dict)     # name -> {key: str | bytes}
    secrets: dict = field(default_factory=dict)         # name -> {key: bytes}

    @classmethod
    def from_objects(cls, config_maps: Iterable[dict] = (),
                     secrets: Iterable[dict] = ()) -> "Sources":
        """From ConfigMap and Secret objects as the API serves them."""
        cms: dict = {}
        for cm in config_maps:
            data: dict = {k: str(v) for k, v in (cm.get("data") or {}).items()}
            data.update({k: _b64(v) for k, v in (cm.get("binaryData") or {}).items()})
            cms[(cm.get("metadata") or {}).get("name", "")] = data
        secs: dict = {}
        for sec in secrets:
            data = {k: _b64(v) for k, v in (sec.get("data") or {}).items()}
            data.update({k: str(v).encode() for k, v in (sec.get("stringData") or {}).items()})
            secs[(sec.get("metadata") or {}).get("name", "")] = data
        return cls(cms, secs)

    def lookup(self, kind: str, name: str) -> dict | None:
        """The data of the ConfigMap (``kind`` "configMap") or Secret named ``name``."""
        return (self.config_maps if kind == "configMap" else self.secrets).get(name)


def _b64(value) -> bytes:
    try:
        return base64.b64decode(str(value), validate=False)
    except (binascii.Error, ValueError):
        return b""


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _data(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def referenced_sources(pod: dict) -> tuple[set[str], set[str]]:
    """The names of the ConfigMaps and of the Secrets ``pod`` references: its volumes
    (``configMap``, ``secret``, ``projected`` sources) and its containers' ``env``
    (``configMapKeyRef``, ``secretKeyRef``) and ``envFrom``."""
    spec = pod.get("spec") or {}
    cms: set[str] = set()
    secs: set[str] = set()
    for vol in spec.get("volumes") or []:
        if not isinstance(vol, dict):
            continue
        parts = [vol] + [s for s in (vol.get("projected") or {}).get("sources") or []
                         if isinstance(s, dict)]
        for part in parts:
            if (part.get("configMap") or {}).get("name"):
                cms.add(part["configMap"]["name"])
            secret = part.get("secret") or {}
            if secret.get("secretName") or secret.get("name"):
                secs.add(secret.get("secretName") or secret.get("name"))
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for item in (c.get("env") or []) if isinstance(c, dict) else []:
            ref = (item.get("valueFrom") or {}) if isinstance(item, dict) else {}
            if (ref.get("configMapKeyRef") or {}).get("name"):
                cms.add(ref["configMapKeyRef"]["name"])
            if (ref.get("secretKeyRef") or {}).get("name"):
                secs.add(ref["secretKeyRef"]["name"])
        for src in (c.get("envFrom") or []) if isinstance(c, dict) else []:
            if isinstance(src, dict) and (src.get("configMapRef") or {}).get("name"):
                cms.add(src["configMapRef"]["name"])
            if isinstance(src, dict) and (src.get("secretRef") or {}).get("name"):
                secs.add(src["secretRef"]["name"])
    return cms, secs


def resource_value(ref: dict, container: dict, allocatable: dict | None = None) -> str | None:
    """A ``resourceFieldRef`` (``limits.cpu``, ``requests.memory``...) of ``container``:
    CPU in cores, memory and storage in bytes, divided by ``divisor`` and rounded up.
    An unset limit is the node's ``allocatable`` (None: unknown; then the request);
    an unset request is the limit (API defaulting), else 0.  None: not resolvable."""
    kind, _, name = str(ref.get("resource") or "").partition(".")
    res = container.get("resources") or {}
    limits, requests = res.get("limits") or {}, res.get("requests") or {}
    if kind == "limits":
        value = limits.get(name) or (allocatable or {}).get(name) or requests.get(name)
    elif kind == "requests":
        value = requests.get(name) or limits.get(name) or "0"
    else:
        return None
    try:
        amount = quantity.parse_quantity(value) if value is not None else None
        divisor = quantity.parse_quantity(ref.get("divisor") or "1")
    except ValueError:
        return None
    if amount is None:
        return None
    if divisor <= 0:
        divisor = Fraction(1)
    return str(math.ceil(amount / divisor))


def _env_from(container: dict, sources: Sources) -> dict[str, str]:
    out: dict[str, str] = {}
    for src in container.get("envFrom") or []:
        if not isinstance(src, dict):
            continue
        for kind, ref in (("configMap", src.get("configMapRef")), ("secret", src.get("secretRef"))):
            data = sources.lookup(kind, ref.get("name", "")) if isinstance(ref, dict) else None
            for key in sorted(data or {}):
                name = f"{src.get('prefix') or ''}{key}"
                if not apinames.is_env_var_name(name):
                    out[name] = _text(data[key])
    return out


def container_env(container: dict, pod: dict, hostname: str,
                  extra: Iterable[tuple[str, str]] = (), sources: Sources | None = None,
                  allocatable: dict | None = None) -> list[tuple[str, str]]:
    """The environment a process in ``container`` sees, in the order ``env`` prints it:
    PATH, HOSTNAME, the variables of ``envFrom`` (each ConfigMap or Secret's keys with
    the ``prefix``; keys that are not valid variable names are skipped), the
    container's ``env`` (overriding them; values with ``$(VAR)`` references, which
    may name envFrom's variables, and ``valueFrom``: ``fieldRef``,
    ``resourceFieldRef`` (limits default to the node's ``allocatable``, see
    :func:`resource_value`), ``configMapKeyRef`` and ``secretKeyRef`` from
    ``sources``), ``extra`` (the service variables, :func:`service_env`; ``$(VAR)``
    may name them), HOME.

    A missing ConfigMap, Secret or key leaves its variables out, whether ``optional``
    or not: when not optional the kubelet would not have started the container at
    all (CreateContainerConfigError), which the emulator does not model."""
    extra = list(extra)
    sources = sources or Sources()
    out: dict[str, str] = {"PATH": PATH, "HOSTNAME": hostname}
    out.update(_env_from(container, sources))
    for item in container.get("env") or []:
        if not isinstance(item, dict) or not item.get("name"):
            continue
        if "value" in item or not item.get("valueFrom"):
            out[item["name"]] = _expand_refs(str(item.get("value") or ""), {**dict(extra), **out})
            continue
        value = _value_from(item["valueFrom"], container, pod, sources, allocatable)
        if value is not None:
            out[item["name"]] = value
    for name, value in extra:
        out.setdefault(name, value)
    out.setdefault("HOME", "/root")
    return list(out.items())


def _value_from(source: dict, container: dict, pod: dict, sources: Sources,
                allocatable: dict | None) -> str | None:
    if source.get("fieldRef"):
        return _pod_field(pod, (source["fieldRef"] or {}).get("fieldPath", ""))
    if source.get("resourceFieldRef"):
        ref = source["resourceFieldRef"] or {}
        target = _container_named(pod, ref.get("containerName")) if ref.get("containerName") \
            else container
        return resource_value(ref, target or container, allocatable)
    for kind, field_name in (("configMap", "configMapKeyRef"), ("secret", "secretKeyRef")):
        ref = source.get(field_name)
        if isinstance(ref, dict):
            data = sources.lookup(kind, ref.get("name", "")) or {}
            key = ref.get("key", "")
            return _text(data[key]) if key in data else None
    return None


def _container_named(pod: dict, name: str | None) -> dict | None:
    spec = pod.get("spec") or {}
    return next((c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                 if isinstance(c, dict) and c.get("name") == name), None)


# -- the file system ----------------------------------------------------------------------

DIRECTORY = object()    # an overlay entry that is a directory


def base_files(hostname: str, pod_ip: str, namespace: str) -> dict[str, bytes]:
    """What every container's file system holds (the kubelet-managed files)."""
    hosts = ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
             "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
             "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
    if pod_ip:
        hosts += f"{pod_ip}\t{hostname}\n"
    search = f"{namespace}.svc.cluster.local svc.cluster.local cluster.local" if namespace \
        else "svc.cluster.local cluster.local"
    return {"/etc/hostname": f"{hostname}\n".encode(), "/etc/hosts": hosts.encode(),
            "/etc/resolv.conf": f"search {search}\nnameserver 10.96.0.10\noptions ndots:5\n"
                                .encode(),
            "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n"}


SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# Placeholders: nothing in the emulator checks them (the API takes no tokens).
CA_CERT = (b"-----BEGIN CERTIFICATE-----\n"
           b"cmF5azhzIHBsYWNlaG9sZGVyIGNsdXN0ZXIgQ0EgKG5vdCBhIHJlYWwgY2VydGlmaWNhdGUp\n"
           b"-----END CERTIFICATE-----\n")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account_token(pod: dict, now: float, audience: str = "",
                          expiration: int = 3607) -> bytes:
    """A JWT-shaped placeholder for the pod's service account token: the claims a
    bound token carries (issued on the hour of ``now``), an unsigned signature."""
    meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    ns, sa = meta.get("namespace") or "default", spec.get("serviceAccountName") or "default"
    issued = int(now // 3600 * 3600)
    claims = {"aud": [audience or "https://kubernetes.default.svc.cluster.local"],
              "exp": issued + int(expiration), "iat": issued,
              "iss": "https://kubernetes.default.svc.cluster.local",
              "kubernetes.io": {"namespace": ns, "pod": {"name": meta.get("name", ""),
                                                         "uid": meta.get("uid", "")},
                                "serviceaccount": {"name": sa}},
              "nbf": issued, "sub": f"system:serviceaccount:{ns}:{sa}"}
    header = {"alg": "RS256", "kid": "rayk8s-placeholder"}
    return ".".join((_b64url(json.dumps(header, separators=(",", ":")).encode()),
                     _b64url(json.dumps(claims, separators=(",", ":")).encode()),
                     _b64url(b"rayk8s: not signed"))).encode()


def _format_map(values: dict) -> bytes:
    """Labels or annotations as the kubelet writes them: ``key="value"`` lines sorted
    by key (the value quoted and escaped), no final newline."""
    return "\n".join(f"{k}={json.dumps(str(v), ensure_ascii=False)}"
                     for k, v in sorted((values or {}).items())).encode()


def _downward_item(item: dict, pod: dict, allocatable: dict | None) -> bytes | None:
    if item.get("fieldRef"):
        path = (item["fieldRef"] or {}).get("fieldPath", "")
        if path in ("metadata.labels", "metadata.annotations"):
            return _format_map((pod.get("metadata") or {}).get(path.split(".")[1]) or {})
        value = _pod_field(pod, path)
        return value.encode() if value is not None else None
    if item.get("resourceFieldRef"):
        ref = item["resourceFieldRef"] or {}
        target = _container_named(pod, ref.get("containerName"))
        value = resource_value(ref, target, allocatable) if target is not None else None
        return value.encode() if value is not None else None
    return None


def _keyed(kind: str, ref: dict, sources: Sources) -> dict[str, bytes]:
    """A configMap or secret volume (source): all keys, or ``items`` key -> path;
    missing keys (and a missing object) are left out, optional or not."""
    name = ref.get("secretName") or ref.get("name") or ""
    data = sources.lookup(kind, name) or {}
    items = ref.get("items")
    if not items:
        return {key: _data(value) for key, value in data.items()}
    return {str(it.get("path") or it.get("key")): _data(data[it.get("key")])
            for it in items if isinstance(it, dict) and it.get("key") in data}


def _volume_content(volume: dict, pod: dict, sources: Sources, now: float,
                    allocatable: dict | None) -> dict[str, bytes]:
    """The files of a volume, by path relative to its root (none: an empty directory)."""
    if isinstance(volume.get("configMap"), dict):
        return _keyed("configMap", volume["configMap"], sources)
    if isinstance(volume.get("secret"), dict):
        return _keyed("secret", volume["secret"], sources)
    if isinstance(volume.get("downwardAPI"), dict):
        return _downward(volume["downwardAPI"], pod, allocatable)
    if isinstance(volume.get("projected"), dict):
        out: dict[str, bytes] = {}
        for src in volume["projected"].get("sources") or []:
            if not isinstance(src, dict):
                continue
            if isinstance(src.get("configMap"), dict):
                out.update(_keyed("configMap", src["configMap"], sources))
            elif isinstance(src.get("secret"), dict):
                out.update(_keyed("secret", src["secret"], sources))
            elif isinstance(src.get("downwardAPI"), dict):
                out.update(_downward(src["downwardAPI"], pod, allocatable))
            elif isinstance(src.get("serviceAccountToken"), dict):
                tok = src["serviceAccountToken"]
                out[str(tok.get("path") or "token")] = service_account_token(
                    pod, now, tok.get("audience") or "", tok.get("expirationSeconds") or 3607)
        return out
    return {}       # emptyDir, persistentVolumeClaim, hostPath...: an empty directory


def _downward(source: dict, pod: dict, allocatable: dict | None) -> dict[str, bytes]:
    out = {}
    for item in source.get("items") or []:
        if isinstance(item, dict) and item.get("path"):
            value = _downward_item(item, pod, allocatable)
            if value is not None:
                out[str(item["path"])] = value
    return out


def volume_files(pod: dict, container: dict, sources: Sources | None, now: float,
                 allocatable: dict | None = None) -> tuple[dict[str, bytes], set[str]]:
    """What ``container`` sees of the pod's volumes: (files by absolute path, the
    directories, empty ones included).  Each ``volumeMounts`` entry puts its volume at
    ``mountPath`` (``subPath``: that file or directory of the volume; a missing one is
    an empty directory): ``configMap`` and ``secret`` (every key, or ``items`` key ->
    path), ``downwardAPI`` (``fieldRef``: labels and annotations as ``key="value"``
    lines; ``resourceFieldRef``), ``projected`` (the union of its sources; the
    ``serviceAccountToken`` is :func:`service_account_token`'s placeholder), anything
    else (``emptyDir``, ``persistentVolumeClaim``...) an empty directory.  Unless
    ``automountServiceAccountToken`` is false, :data:`SERVICE_ACCOUNT_DIR` holds
    ``ca.crt`` (a placeholder), ``namespace`` and ``token``.  A deeper mount hides
    what a shallower one has under it."""
    sources = sources or Sources()
    spec = pod.get("spec") or {}
    volumes = {v.get("name"): v for v in spec.get("volumes") or [] if isinstance(v, dict)}
    mounts: list[tuple[str, dict[str, bytes]]] = []
    if spec.get("automountServiceAccountToken") is not False:
        ns = (pod.get("metadata") or {}).get("namespace") or "default"
        mounts.append((SERVICE_ACCOUNT_DIR, {"ca.crt": CA_CERT, "namespace": ns.encode(),
                                             "token": service_account_token(pod, now)}))
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(mount.get("name")) if isinstance(mount, dict) else None
        if volume is None or not mount.get("mountPath"):
            continue
        content = _volume_content(volume, pod, sources, now, allocatable)
        sub = posixpath.normpath(str(mount.get("subPath") or ".")).strip("/")
        if sub not in ("", "."):
            if sub in content:
                mounts.append((mount["mountPath"], {"": content[sub]}))     # one file
                continue
            content = {p[len(sub) + 1:]: v for p, v in content.items()
                       if p.startswith(sub + "/")}
        mounts.append((mount["mountPath"], content))
    files: dict[str, bytes] = {}
    dirs: set[str] = set()
    for root, content in sorted(mounts, key=lambda m: len(_normal(m[0]).split("/"))):
        root = _normal(root)
        for p in [p for p in files if p == root or p.startswith(root + "/")]:
            del files[p]
        dirs = {d for d in dirs if not d.startswith(root + "/")} - {root}
        if set(content) == {""}:
            files[root] = content[""]
            continue
        dirs.add(root)
        for rel, data in content.items():
            files[posixpath.join(root, rel)] = data
    return files, dirs


def _normal(path: str) -> str:
    return posixpath.normpath("/" + path.strip("/"))


class Files:
    """A read-mostly file system: ``base`` files plus a writable ``overlay``
    (path -> bytes, :data:`DIRECTORY`, or None for removed), shared across execs.

    ``volumes`` maps a mount path to ``(entries, prefix)``: the overlay of a writable
    volume mounted there (``emptyDir``...; keys are paths in the volume, ``/x``, and
    ``prefix`` is the mount's ``subPath``, ``/sub`` or ""); it is shared with the
    other containers of the pod that mount the volume, so what one writes there the
    others read."""

    def __init__(self, base: dict[str, bytes], overlay: dict | None = None,
                 dirs: Iterable[str] = (),
                 volumes: dict[str, tuple[dict, str]] | None = None):
        self.base = base
        self.own = overlay if overlay is not None else {}
        self.dirs = {d.rstrip("/") or "/" for d in dirs}    # base directories (may be empty)
        self.volumes = {(m.rstrip("/") or "/"): v for m, v in (volumes or {}).items()}

    def _route(self, path: str) -> tuple[dict, str]:
        """The overlay holding ``path``, and its key there (deepest volume mount wins)."""
        for mount in sorted(self.volumes, key=len, reverse=True):
            if path.startswith(mount + "/"):
                entries, prefix = self.volumes[mount]
                return entries, prefix + path[len(mount):]
        return self.own, path

    @property
    def overlay(self) -> dict:
        """Every overlay entry, by absolute path (a merged view: write through
        :meth:`write`, :meth:`mkdir`, :meth:`remove`)."""
        out = {p: v for p, v in self.own.items()
               if not any(p.startswith(m + "/") for m in self.volumes)}
        for mount, (entries, prefix) in self.volumes.items():
            out.update((mount + key[len(prefix):], v) for key, v in entries.items()
                       if key.startswith(prefix + "/"))
        return out

    def _set(self, path: str, value) -> None:
        table, key = self._route(path)
        table[key] = value

    def read(self, path: str) -> bytes | None:
        table, key = self._route(path)
        if key in table:
            value = table[key]
            return value if isinstance(value, bytes) else None
        return self.base.get(path)

    def _paths(self) -> set[str]:
        overlay = self.overlay
        live = {p for p, v in overlay.items() if v is not None}
        return ((set(self.base) | self.dirs) - set(overlay)) | live

    def is_dir(self, path: str) -> bool:
        path = path.rstrip("/") or "/"
        table, key = self._route(path)
        if path == "/" or path.lstrip("/") in _ROOT_DIRS:
            return table.get(key, DIRECTORY) is DIRECTORY
        if path in self.volumes:
            return True
        if key in table:
            return table[key] is DIRECTORY
        if path in self.dirs:
            return True
        return any(p.startswith(path + "/") for p in self._paths())

    def exists(self, path: str) -> bool:
        return self.read(path) is not None or self.is_dir(path)

    def write(self, path: str, data: bytes, append: bool = False) -> None:
        if path in ("/dev/null", "/dev/stdout", "/dev/stderr"):
            return
        old = self.read(path) if append else None
        self._set(path, (old or b"") + data)

    def mkdir(self, path: str) -> None:
        self._set(path.rstrip("/") or "/", DIRECTORY)

    def remove(self, path: str) -> bool:
        if not self.exists(path):
            return False
        for p in [p for p in self._paths() if p.startswith(path.rstrip("/") + "/")]:
            self._set(p, None)
        if path.rstrip("/") not in self.volumes:      # a mount point stays
            self._set(path, None)
        return True

    def listdir(self, path: str) -> list[str]:
        path = path.rstrip("/") or "/"
        prefix = "/" if path == "/" else path + "/"
        names = set(_ROOT_DIRS) if path == "/" else set()
        for p in self._paths():
            if p.startswith(prefix) and p != prefix:
                names.add(p[len(prefix):].split("/", 1)[0])
        return sorted(n for n in names if self.exists(prefix + n))


# -- the context an exec runs in ------------------------------------------------------------

class Network(Protocol):
    """The pod's network, as the network commands (netcmds.py) use it."""

    def lookup(self, fqdn: str) -> dns.Answer | None:
        """The cluster DNS's answer for exactly ``fqdn`` (the player applies the search
        list itself); None: NXDOMAIN."""

    def request(self, ip: str, port: int, method: str, path: str, headers: dict,
                body: bytes) -> tuple[int, dict, bytes]:
        """One HTTP request to ``ip:port`` from the pod (``127.0.0.1``: the pod itself):
        (status, headers, body). Raises ConnectionRefusedError (nothing listens, or a
        Service without ready endpoints) or TimeoutError (no host answers there)."""


@dataclass
class Context:
    env: list[tuple[str, str]]
    files: Files
    now: float = 0.0
    hostname: str = ""
    pod_ip: str = ""
    process: str = ""           # PID 1's command line (for ps)
    network: Network | None = None      # None: the pod has no network


class _Exit(Exception):
    def __init__(self, code: int):
        self.code = code


class _Syntax(Exception):
    pass


# -- lexing ------------------------------------------------------------------------------

_OPS = ("&&", "||", ";;", ";", "&", "|")


@dataclass
class _Word:
    parts: list[tuple[str, bool]]        # (text, expand $-references)

    @property
    def plain(self) -> str | None:
        """The word's text when it has no quotes and no expansions."""
        if len(self.parts) == 1 and self.parts[0][1] and "$" not in self.parts[0][0]:
            return self.parts[0][0]
        return None


@dataclass
class _Redirect:
    fd: int
    op: str                     # > >> < >& <&
    target: _Word | str         # a word, or a file descriptor number for >& / <&


def _dollar_paren(text: str, i: int) -> int:
    """The index after the ``)`` closing the ``$(`` whose ``$`` is at ``i``."""
    depth, j = 0, i + 1
    while j < len(text):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        elif text[j] in "'\"":
            end = text.find(text[j], j + 1)
            j = end if end >= 0 else len(text)
        j += 1
    raise _Syntax("unterminated $(")


def _read_word(text: str, i: int) -> tuple[_Word, int]:
    parts: list[tuple[str, bool]] = []
    buf = ""
    n = len(text)
    while i < n and text[i] not in " \t\n;&|<>":
        ch = text[i]
        if ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise _Syntax("unterminated quoted string")
            if buf:
                parts.append((buf, True))
                buf = ""
            parts.append((text[i + 1:end], False))
            i = end + 1
        elif ch == '"':
            if buf:
                parts.append((buf, True))
                buf = ""
            j, quoted = i + 1, ""
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\$`':
                    quoted += "\\" + text[j + 1] if text[j + 1] == "$" else text[j + 1]
                    j += 2
                elif text[j:j + 2] == "$(":
                    end = _dollar_paren(text, j)
                    quoted += text[j:end]
                    j = end
                else:
                    quoted += text[j]
                    j += 1
            if j >= n:
                raise _Syntax("unterminated quoted string")
            parts.append((quoted, True))
            i = j + 1
        elif ch == "\\" and i + 1 < n:
            buf += "\\$" if text[i + 1] == "$" else text[i + 1]
            i += 2
        elif text[i:i + 2] == "$(":
            end = _dollar_paren(text, i)
            buf += text[i:end]
            i = end
        else:
            buf += ch
            i += 1
    if buf or not parts:
        parts.append((buf, True))
    return _Word(parts), i


def _lex(text: str) -> list:
    """Words, operators (str) and redirections of a shell script."""
    toks: list = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t":
            i += 1
        elif ch == "\n":
            toks.append(";")
            i += 1
        elif ch == "#" and (not toks or isinstance(toks[-1], str) or text[i - 1] in " \t"):
            while i < n and text[i] != "\n":
                i += 1
        elif ch in ";&|":
            op = next(o for o in _OPS if text.startswith(o, i))
            toks.append(op)
            i += len(op)
        elif ch in "<>":
            fd = 0 if ch == "<" else 1
            if toks and isinstance(toks[-1], _Word) and toks[-1].plain is not None and \
                    toks[-1].plain.isdigit() and i > 0 and text[i - 1].isdigit():
                fd = int(toks.pop().plain)
            op = ">>" if text.startswith(">>", i) else ch
            i += len(op)
            if i < n and text[i] == "&":
                j = i + 1
                while j < n and text[j].isdigit():
                    j += 1
                toks.append(_Redirect(fd, op[0] + "&", text[i + 1:j] or "1"))
                i = j
                continue
            while i < n and text[i] in " \t":
                i += 1
            if i >= n or text[i] in ";&|<>\n":
                raise _Syntax("syntax error: unexpected redirection")
            target, i = _read_word(text, i)
            toks.append(_Redirect(fd, op, target))
        else:
            word, i = _read_word(text, i)
            toks.append(word)
    return toks


def _parse(toks: list) -> list[tuple[str, list[list]]]:
    """[(connector, pipeline)], a pipeline being a list of commands (token lists)."""
    out: list[tuple[str, list[list]]] = []
    conn, pipeline, command = ";", [], []
    for tok in toks + [";"]:
        if isinstance(tok, str):
            if tok == "|":
                if not command:
                    raise _Syntax("syntax error: unexpected \"|\"")
                pipeline.append(command)
                command = []
                continue
            if command:
                pipeline.append(command)
            elif pipeline or tok in ("&&", "||"):
                raise _Syntax(f'syntax error: unexpected "{tok}"')
            if pipeline:
                out.append((conn, pipeline))
            conn = tok if tok in ("&&", "||") else ";"
            pipeline, command = [], []
        else:
            if not command and isinstance(tok, _Word) and tok.plain in _KEYWORDS:
                raise _Syntax(f"{tok.plain}: control structures are not played by the "
                              "rayk8s exec player")
            command.append(tok)
    return out


# -- running ------------------------------------------------------------------------------

class _Shell:
    """One exec: the environment, the working directory, the time spent."""

    def __init__(self, ctx: Context, name: str = "sh"):
        self.ctx = ctx
        self.name = name
        self.env = dict(ctx.env)
        self.cwd = "/"
        self.status = 0
        self.seconds = 0.0
        self.stdin_used = False

    @property
    def files(self) -> Files:
        return self.ctx.files

    def path(self, arg: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, arg)) if arg else self.cwd

    def now(self) -> float:
        return self.ctx.now + (self.seconds if math.isfinite(self.seconds) else 0.0)

    # expansion
    _VAR = re.compile(r"\\\$|\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*|[?$#0-9])|\$\(")

    def expand(self, word: _Word | str) -> str:
        if isinstance(word, str):
            return word
        out = ""
        for text, expand in word.parts:
            out += self._expand_text(text) if expand else text
        return out

    def _expand_text(self, text: str) -> str:
        out, i = "", 0
        while True:
            match = self._VAR.search(text, i)
            if match is None:
                return out + text[i:]
            out += text[i:match.start()]
            token = match.group(0)
            if token == "\\$":
                out += "$"
                i = match.end()
            elif token == "$(":
                end = _dollar_paren(text, match.start())
                inner = _Shell(self.ctx, self.name)
                inner.env, inner.cwd = dict(self.env), self.cwd
                stdout, _ = inner.run_script(text[match.start() + 2:end - 1], b"")
                self.seconds += inner.seconds
                out += stdout.decode("utf-8", "replace").rstrip("\n")
                i = end
            else:
                name = match.group(1) if match.group(1) is not None else match.group(2)
                name = name.split(":-", 1)[0] if ":-" in name else name
                default = match.group(1).split(":-", 1)[1] if match.group(1) and \
                    ":-" in match.group(1) else ""
                special = {"?": str(self.status), "$": "1", "#": "0", "0": self.name}
                value = special.get(name, self.env.get(name, ""))
                out += value or default
                i = match.end()

    # scripts
    def run_script(self, text: str, stdin: bytes) -> tuple[bytes, bytes]:
        try:
            items = _parse(_lex(text))
        except _Syntax as exc:
            self.status = 2
            return b"", f"{self.name}: {exc}\n".encode()
        out, err = b"", b""
        for conn, pipeline in items:
            if (conn == "&&" and self.status != 0) or (conn == "||" and self.status == 0):
                continue
            try:
                o, e = self.pipeline(pipeline, stdin)
            except _Exit as exc:    # ``exit N``: the script ends here
                self.status = exc.code
                break
            out, err = out + o, err + e
            if not math.isfinite(self.seconds):
                break
        return out, err

    def pipeline(self, commands: list[list], stdin: bytes) -> tuple[bytes, bytes]:
        data, err = stdin, b""
        for i, command in enumerate(commands):
            data, e = self.command(command, data if i else self._stdin_once(stdin))
            err += e
        return data, err

    def _stdin_once(self, stdin: bytes) -> bytes:
        if self.stdin_used:
            return b""
        self.stdin_used = True
        return stdin

    def command(self, toks: list, stdin: bytes) -> tuple[bytes, bytes]:
        words = [t for t in toks if isinstance(t, _Word)]
        redirects = [t for t in toks if isinstance(t, _Redirect)]
        assigns: list[tuple[str, str]] = []
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0].parts[0][0],
                                     re.S) and words[0].parts[0][1]:
            name, _, value = self.expand(words.pop(0)).partition("=")
            assigns.append((name, value))
        argv = [self.expand(w) for w in words]
        for r in redirects:
            if r.op == "<":
                path = self.path(self.expand(r.target))
                content = b"" if path == "/dev/null" else self.files.read(path)
                if content is None:
                    self.status = 1
                    return b"", f"{self.name}: can't open '{self.expand(r.target)}': No such " \
                                f"file or directory\n".encode()
                stdin = content
        if not argv:
            self.env.update(assigns)
            self.status = 0
            return b"", b""
        saved = dict(self.env)
        self.env.update(assigns)
        try:
            out, err, self.status = self.run(argv, stdin, in_shell=True)
        finally:
            if assigns:
                self.env = saved
        return self._redirect(out, err, redirects)

    def _redirect(self, out: bytes, err: bytes, redirects: list[_Redirect]) -> tuple[bytes, bytes]:
        streams = {1: out, 2: err}
        for r in redirects:
            if r.op == ">&" and r.fd in (1, 2) and r.target in ("1", "2"):
                target = int(r.target)
                if target != r.fd:
                    streams[target] += streams[r.fd]
                    streams[r.fd] = b""
            elif r.op in (">", ">>") and r.fd in (1, 2):
                path = self.path(self.expand(r.target))
                if path == "/dev/stderr":
                    streams[2] += streams[r.fd]
                elif path == "/dev/stdout":
                    streams[1] += streams[r.fd]
                else:
                    self.files.write(path, streams[r.fd], append=r.op == ">>")
                streams[r.fd] = b""
        return streams[1], streams[2]

    # commands
    def run(self, argv: list[str], stdin: bytes, in_shell: bool) -> tuple[bytes, bytes, int]:
        name = argv[0].rsplit("/", 1)[-1] if "/" in argv[0] else argv[0]
        if name in SHELLS:
            return self.shell(name, argv[1:], stdin)
        if in_shell and name in _BUILTINS:
            return _BUILTINS[name](self, argv[1:], stdin)
        if name in COMMANDS:
            return COMMANDS[name](self, argv[1:], stdin)
        if in_shell:
            return b"", f"{self.name}: {argv[0]}: not found\n".encode(), NOT_FOUND
        return b"", (f'OCI runtime exec failed: exec failed: unable to start container '
                     f'process: exec: "{argv[0]}": executable file not found in $PATH: '
                     f'unknown\n').encode(), NOT_FOUND

    def shell(self, name: str, args: list[str], stdin: bytes) -> tuple[bytes, bytes, int]:
        sub = _Shell(self.ctx, name)
        sub.env, sub.cwd = dict(self.env), self.cwd
        i, script = 0, None
        while i < len(args) and args[i].startswith("-"):
            if "c" in args[i][1:]:
                if i + 1 >= len(args):
                    return b"", f"{name}: -c requires an argument\n".encode(), 2
                script = args[i + 1]
                break
            i += 1
        else:
            if i < len(args):
                content = sub.files.read(sub.path(args[i]))
                if content is None:
                    return b"", f"{name}: can't open '{args[i]}': No such file or " \
                                f"directory\n".encode(), NOT_FOUND
                script = content.decode("utf-8", "replace")
            else:
                script = stdin.decode("utf-8", "replace")   # commands on stdin
                stdin = b""
        out, err = sub.run_script(script, stdin)
        self.seconds += sub.seconds
        return out, err, sub.status


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


def _joined(lines: Iterable[str]) -> bytes:
    text = "\n".join(lines)
    return (text + "\n").encode() if text else b""


def _inputs(sh: _Shell, args: list[str], stdin: bytes, cmd: str) -> tuple[bytes, bytes, int]:
    """Concatenated files (stdin for none or ``-``): (data, errors, status)."""
    if not args:
        return stdin, b"", 0
    data, err, code = b"", b"", 0
    for arg in args:
        if arg == "-":
            data += stdin
            continue
        path = sh.path(arg)
        content = sh.files.read(path)
        if content is None:
            reason = "Is a directory" if sh.files.is_dir(path) else "No such file or directory"
            err += f"{cmd}: {arg}: {reason}\n".encode()
            code = 1
        else:
            data += content
    return data, err, code


def _flags(args: list[str], known: str) -> tuple[set[str], list[str]]:
    flags, rest = set(), []
    for i, arg in enumerate(args):
        if arg == "--":
            rest.extend(args[i + 1:])
            break
        if arg.startswith("-") and len(arg) > 1 and all(c in known for c in arg[1:]):
            flags.update(arg[1:])
        else:
            rest.append(arg)
    return flags, rest


def _echo(sh, args, stdin):
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        newline = newline and "n" not in args[0]
        escapes = "e" in args[0]
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text = text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
        if "\\c" in text:
            text, newline = text.split("\\c", 1)[0], False
    return (text + ("\n" if newline else "")).encode(), b"", 0


def _printf(sh, args, stdin):
    if not args:
        return b"", b"printf: usage: printf FORMAT [ARGUMENT]...\n", 1
    fmt, values = args[0], list(args[1:])
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")

    def once(vals: list[str]) -> str:
        def repl(match: re.Match) -> str:
            if match.group(0) == "%%":
                return "%"
            value = vals.pop(0) if vals else ""
            if match.group(1) in "di":
                try:
                    return str(int(value or 0))
                except ValueError:
                    return "0"
            return value
        return re.sub(r"%%|%[-0-9.]*([sdi])", repl, fmt)
    out = once(values)
    while values and re.search(r"%[-0-9.]*[sdi]", fmt):
        out += once(values)
    return out.encode(), b"", 0


def _env(sh, args, stdin):
    env = dict(sh.env)
    while args and "=" in args[0] and not args[0].startswith("-"):
        name, _, value = args.pop(0).partition("=")
        env[name] = value
    if args and args[0] == "-i":
        env, args = {}, args[1:]
    if args:
        saved, sh.env = sh.env, env
        try:
            return sh.run(args, stdin, in_shell=False)
        finally:
            sh.env = saved
    return _joined(f"{k}={v}" for k, v in env.items()), b"", 0


def _printenv(sh, args, stdin):
    if not args:
        return _joined(f"{k}={v}" for k, v in sh.env.items()), b"", 0
    found = [sh.env[name] for name in args if name in sh.env]
    return _joined(found), b"", 0 if len(found) == len(args) else 1


def _hostname(sh, args, stdin):
    if args and args[0] in ("-i", "--ip-address", "-I"):
        return f"{sh.ctx.pod_ip}\n".encode(), b"", 0
    return f"{sh.ctx.hostname}\n".encode(), b"", 0


def _cat(sh, args, stdin):
    _, files = _flags(args, "uAnbsvET")
    data, err, code = _inputs(sh, files, stdin, "cat")
    return data, err, code


def _ls(sh, args, stdin):
    flags, paths = _flags(args, "1alhdtrRF")
    out, err, code, listings = [], b"", 0, []
    for arg in paths or ["."]:
        path = sh.path(arg)
        if sh.files.read(path) is not None or ("d" in flags and sh.files.is_dir(path)):
            listings.append((None, [arg]))
        elif sh.files.is_dir(path):
            names = sh.files.listdir(path)
            if "a" in flags:
                names = [".", ".."] + names
            listings.append((arg, names))
        else:
            err += f"ls: {arg}: No such file or directory\n".encode()
            code = 1

    def line(dirname, name):
        if "l" not in flags:
            return name
        full = sh.path(name if dirname is None else posixpath.join(dirname, name))
        content = sh.files.read(full)
        kind = "-rw-r--r--" if content is not None else "drwxr-xr-x"
        size = len(content) if content is not None else 4096
        stamp = _dt.datetime.fromtimestamp(sh.now(), tz=_dt.timezone.utc).strftime("%b %d %H:%M")
        return f"{kind}    1 root     root     {size:>9} {stamp} {name}"
    for i, (dirname, names) in enumerate(listings):
        if dirname is not None and len(listings) > 1:
            out.append(f"{dirname}:")
        if "l" in flags and dirname is not None:
            out.append(f"total {len(names)}")
        out.extend(line(dirname, n) for n in names)
        if dirname is not None and len(listings) > 1 and i < len(listings) - 1:
            out.append("")
    return _joined(out), err, code


def _pwd(sh, args, stdin):
    return f"{sh.cwd}\n".encode(), b"", 0


def _cd(sh, args, stdin):
    path = sh.path(args[0]) if args else "/root"
    if not sh.files.is_dir(path):
        return b"", f"{sh.name}: cd: can't cd to {args[0]}: No such file or directory\n" \
            .encode(), 2
    sh.cwd = path
    return b"", b"", 0


def _date(sh, args, stdin):
    when = _dt.datetime.fromtimestamp(sh.now(), tz=_dt.timezone.utc)
    fmt = next((a[1:] for a in args if a.startswith("+")), None)
    if fmt is None:
        return when.strftime("%a %b %d %H:%M:%S UTC %Y\n").encode(), b"", 0
    fmt = fmt.replace("%s", str(int(sh.now()))).replace("%N", f"{when.microsecond * 1000:09d}")
    return (when.strftime(fmt) + "\n").encode(), b"", 0


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _sleep(sh, args, stdin):
    if not args:
        return b"", b"sleep: missing operand\n", 1
    total = 0.0
    for arg in args:
        if arg in ("infinity", "inf"):
            total = math.inf
            continue
        unit = _UNITS.get(arg[-1:])
        try:
            total += float(arg[:-1] if unit else arg) * (unit or 1)
        except ValueError:
            return b"", f"sleep: invalid number '{arg}'\n".encode(), 1
    sh.seconds += total
    return b"", b"", 0


def _status(code):
    return lambda sh, args, stdin: (b"", b"", code)


def _whoami(sh, args, stdin):
    return b"root\n", b"", 0


def _id(sh, args, stdin):
    return b"uid=0(root) gid=0(root) groups=0(root)\n", b"", 0


def _uname(sh, args, stdin):
    flags, _ = _flags(args, "asnrvmpio")
    parts = {"s": "Linux", "n": sh.ctx.hostname, "r": "6.8.0-rayk8s",
             "v": "#1 SMP PREEMPT_DYNAMIC", "m": "x86_64", "o": "GNU/Linux"}
    if "a" in flags:
        keys = "snrvmo"
    else:
        keys = "".join(k for k in "snrvmo" if k in flags) or "s"
    return (" ".join(parts[k] for k in keys) + "\n").encode(), b"", 0


def _touch(sh, args, stdin):
    for arg in (a for a in args if not a.startswith("-")):
        path = sh.path(arg)
        if sh.files.read(path) is None:
            sh.files.write(path, b"")
    return b"", b"", 0


def _rm(sh, args, stdin):
    flags, paths = _flags(args, "rfRdvi")
    err, code = b"", 0
    for arg in paths:
        path = sh.path(arg)
        if sh.files.is_dir(path) and not ({"r", "R", "d"} & flags):
            err += f"rm: '{arg}' is a directory\n".encode()
            code = 1
        elif not sh.files.remove(path) and "f" not in flags:
            err += f"rm: can't remove '{arg}': No such file or directory\n".encode()
            code = 1
    return b"", err, code


def _mkdir(sh, args, stdin):
    for arg in (a for a in args if not a.startswith("-")):
        sh.files.mkdir(sh.path(arg))
    return b"", b"", 0


def _test(sh, args, stdin, bracket=False):
    if bracket:
        if not args or args[-1] != "]":
            return b"", b"[: missing ]\n", 2
        args = args[:-1]
    negate = False
    if args and args[0] == "!":
        negate, args = True, args[1:]
    try:
        if not args:
            ok = False
        elif len(args) == 1:
            ok = args[0] != ""
        elif len(args) == 2 and args[0] in ("-e", "-f", "-d", "-s", "-r", "-w", "-x"):
            path = sh.path(args[1])
            content = sh.files.read(path)
            ok = {"-f": content is not None, "-d": sh.files.is_dir(path),
                  "-s": bool(content)}.get(args[0], sh.files.exists(path))
        elif len(args) == 2 and args[0] in ("-z", "-n"):
            ok = (args[1] == "") == (args[0] == "-z")
        elif len(args) == 3 and args[1] in ("=", "==", "!="):
            ok = (args[0] == args[2]) == (args[1] != "!=")
        elif len(args) == 3 and args[1] in ("-eq", "-ne", "-lt", "-le", "-gt", "-ge"):
            a, b = int(args[0]), int(args[2])
            ok = {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b, "-gt": a > b,
                  "-ge": a >= b}[args[1]]
        else:
            return b"", b"test: unsupported expression\n", 2
    except ValueError:
        return b"", b"test: integer expression expected\n", 2
    return b"", b"", 0 if ok != negate else 1


def _grep(sh, args, stdin):
    flags, rest = _flags(args, "ivcqEFnwhH")
    if not rest:
        return b"", b"Usage: grep [-ivcqEFnw] PATTERN [FILE]...\n", 2
    pattern, files = rest[0], rest[1:]
    data, err, code = _inputs(sh, files, stdin, "grep")
    if "F" in flags:
        pattern = re.escape(pattern)
    elif "E" not in flags:   # basic regular expressions: \| \( \) are the operators
        pattern = pattern.replace("\\|", "|").replace("\\(", "(").replace("\\)", ")")
    if "w" in flags:
        pattern = rf"\b(?:{pattern})\b"
    try:
        rx = re.compile(pattern, re.I if "i" in flags else 0)
    except re.error:
        return b"", f"grep: bad regex '{rest[0]}'\n".encode(), 2
    invert = "v" in flags
    hits = [(n, ln) for n, ln in enumerate(_lines(data), 1) if bool(rx.search(ln)) != invert]
    status = 0 if hits else (code or 1)
    if "q" in flags:
        return b"", err, 0 if hits else status
    if "c" in flags:
        return f"{len(hits)}\n".encode(), err, status
    return _joined(f"{n}:{ln}" if "n" in flags else ln for n, ln in hits), err, status


def _count(args: list[str], default: int = 10) -> tuple[int, list[str]]:
    n, rest, i = default, [], 0
    while i < len(args):
        arg = args[i]
        if arg == "-n" and i + 1 < len(args):
            n, i = int(args[i + 1].lstrip("+")), i + 2
            continue
        if re.fullmatch(r"-n?\d+", arg):
            n = int(arg.lstrip("-n"))
        elif not arg.startswith("-") or arg == "-":
            rest.append(arg)
        i += 1
    return n, rest


def _head(sh, args, stdin):
    n, files = _count(args)
    data, err, code = _inputs(sh, files, stdin, "head")
    return _joined(_lines(data)[:n]), err, code


def _tail(sh, args, stdin):
    n, files = _count(args)
    data, err, code = _inputs(sh, files, stdin, "tail")
    lines = _lines(data)
    return _joined(lines[-n:] if n else []), err, code


def _wc(sh, args, stdin):
    flags, files = _flags(args, "lwc")
    data, err, code = _inputs(sh, files, stdin, "wc")
    counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
    shown = [k for k in "lwc" if k in flags] or ["l", "w", "c"]
    text = " ".join(f"{counts[k]:>7}" if len(shown) > 1 else str(counts[k]) for k in shown)
    if files:
        text += " " + " ".join(files)
    return f"{text}\n".encode(), err, code


def _sort(sh, args, stdin):
    flags, files = _flags(args, "rnu")
    data, err, code = _inputs(sh, files, stdin, "sort")
    lines = _lines(data)
    if "u" in flags:
        lines = list(dict.fromkeys(lines))

    def key(line):
        match = re.match(r"\s*(-?\d+(?:\.\d+)?)", line)
        return (float(match.group(1)) if match else 0.0, line)
    lines.sort(key=key if "n" in flags else None, reverse="r" in flags)
    return _joined(lines), err, code


def _ps(sh, args, stdin):
    return _joined(["PID   USER     TIME  COMMAND", f"    1 root      0:00 {sh.ctx.process}",
                    "    7 root      0:00 ps " + " ".join(args)]), b"", 0


def _which(sh, args, stdin):
    found = [f"/bin/{a}" for a in args if a in COMMANDS or a in SHELLS]
    return _joined(found), b"", 0 if len(found) == len(args) and args else 1


def _export(sh, args, stdin):
    for arg in args:
        if "=" in arg:
            name, _, value = arg.partition("=")
            sh.env[name] = value
    return b"", b"", 0


def _unset(sh, args, stdin):
    for arg in args:
        sh.env.pop(arg, None)
    return b"", b"", 0


def _exit(sh, args, stdin):
    try:
        code = int(args[0]) & 0xFF if args else sh.status
    except ValueError:
        return b"", f"{sh.name}: exit: Illegal number: {args[0]}\n".encode(), 2
    raise _Exit(code)


COMMANDS: dict[str, Callable] = {
    "env": _env, "printenv": _printenv, "hostname": _hostname, "echo": _echo,
    "printf": _printf, "cat": _cat, "ls": _ls, "pwd": _pwd, "date": _date,
    "true": _status(0), "false": _status(1), "sleep": _sleep, "whoami": _whoami, "id": _id,
    "uname": _uname, "touch": _touch, "rm": _rm, "mkdir": _mkdir, "test": _test,
    "[": lambda sh, args, stdin: _test(sh, args, stdin, bracket=True), "grep": _grep,
    "head": _head, "tail": _tail, "wc": _wc, "sort": _sort, "ps": _ps, "which": _which,
    **netcmds.COMMANDS,
}
# Shell builtins: only inside a shell (exec'd directly they are not found, as in a
# container where ``cd`` is no binary).
_BUILTINS: dict[str, Callable] = {
    "cd": _cd, "export": _export, "unset": _unset, "exit": _exit, ":": _status(0),
}


def play(argv: list[str], ctx: Context, stdin: bytes | None = None) -> ExecResult:
    """Play ``argv`` exec'd in the container ``ctx`` describes (stdin: what the client sent)."""
    if not argv:
        return ExecResult(b"", b"you must specify at least 1 command\n", 1)
    sh = _Shell(ctx)
    out, err, code = sh.run(list(argv), stdin or b"", in_shell=False)
    return ExecResult(out, err, code, sh.seconds)

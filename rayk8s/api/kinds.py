"""The kinds registry: every resource the emulated apiserver serves.

One table (:data:`_TABLE`) lists each kind once, with what kube-apiserver's
discovery says about it: group, version, plural, singular, scope, short names,
categories, subresources and verbs.  Everything that maps a name to a kind --
REST paths, storage keys, ``kubectl get deploy``, discovery documents, the
``kind``/``apiVersion`` of a manifest -- reads this registry, so adding a kind
is adding one row.

Design choices
- A :class:`Kind` is a frozen value; the registry is built once at import.
- ``version`` is the storage version (the one objects are kept in, and the
  preferred one in discovery); ``other_versions`` are further served versions
  (HorizontalPodAutoscaler: stored as ``autoscaling/v2``, also served as
  ``autoscaling/v1`` -- see ``conversion.py``).
- Storage keys are ``/registry/<group-resource>/[<namespace>/]<name>``, with
  the group-qualified resource (``deployments.apps``) so that two groups can
  never collide.  (kube-apiserver's own etcd layout has historical quirks --
  ``minions``, ``services/specs`` -- that nothing here needs.)
- Short names and categories are the ones a real v1.32 apiserver lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from . import errors

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch",
                  "update", "watch")


@dataclass(frozen=True)
class Kind:
    """One served resource.  Invariant: ``plural`` is unique within ``group``."""

    group: str            # "" for the core (legacy) group
    version: str          # storage and preferred version, e.g. "v1"; "v2" for HPA
    kind: str             # "Deployment"
    plural: str           # "deployments" -- the REST resource
    singular: str         # "deployment"
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    other_versions: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        """``apps/v1`` or ``v1``: the storage version as an object's apiVersion."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def served_versions(self) -> tuple[str, ...]:
        """Every served version, the preferred (storage) one first."""
        return (self.version,) + self.other_versions

    @property
    def api_versions(self) -> tuple[str, ...]:
        """``served_versions`` spelled as apiVersion strings."""
        return tuple(f"{self.group}/{v}" if self.group else v for v in self.served_versions)

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """``deployments.apps`` / ``pods``: how kube-apiserver names it in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def key_prefix(self) -> str:
        """Store key prefix; a namespaced key is prefix + ns + "/" + name."""
        return f"/registry/{self.group_resource}/"

    def key(self, namespace: str, name: str) -> str:
        return (f"{self.key_prefix}{namespace}/{name}" if self.namespaced
                else f"{self.key_prefix}{name}")

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def has_scale(self) -> bool:
        return "scale" in self.subresources


@dataclass(frozen=True)
class Subresource:
    """What discovery says about ``<plural>/<name>``.

    ``group``/``version`` are set only where they differ from the parent's
    (``scale`` is ``autoscaling/v1 Scale``, ``eviction`` is ``policy/v1``), as
    in a legacy APIResourceList.
    """

    name: str
    verbs: tuple[str, ...]
    kind: str = ""
    group: str = ""
    version: str = ""


# Discovery facts per subresource name (kube-apiserver v1.32).  ``proxy`` and
# ``status`` differ by parent only in their kind, handled in ``subresource``.
_SUBRESOURCES = {
    "status": Subresource("status", ("get", "patch", "update")),
    "scale": Subresource("scale", ("get", "patch", "update"), "Scale", "autoscaling", "v1"),
    "binding": Subresource("binding", ("create",), "Binding"),
    "eviction": Subresource("eviction", ("create",), "Eviction", "policy", "v1"),
    "log": Subresource("log", ("get",), "Pod"),
    "exec": Subresource("exec", ("create", "get"), "PodExecOptions"),
    "attach": Subresource("attach", ("create", "get"), "PodAttachOptions"),
    "portforward": Subresource("portforward", ("create", "get"), "PodPortForwardOptions"),
    "proxy": Subresource("proxy", ("create", "delete", "get", "patch", "update")),
    "finalize": Subresource("finalize", ("update",)),
}
_PROXY_KINDS = {"Pod": "PodProxyOptions", "Service": "ServiceProxyOptions",
                "Node": "NodeProxyOptions"}

_ALL = ("all",)
_POD_SUBS = ("status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy")
_NO_DELETECOLLECTION = tuple(v for v in STANDARD_VERBS if v != "deletecollection")

# The one table.  Order matters twice: discovery lists groups in first-seen
# order, and a name claimed by two kinds resolves to the earlier row.
_TABLE: tuple[Kind, ...] = (
    # core/v1
    Kind("", "v1", "Binding", "bindings", "binding", True, verbs=("create",)),
    Kind("", "v1", "ConfigMap", "configmaps", "configmap", True, ("cm",)),
    Kind("", "v1", "Endpoints", "endpoints", "endpoints", True, ("ep",)),
    Kind("", "v1", "Event", "events", "event", True, ("ev",)),
    Kind("", "v1", "Namespace", "namespaces", "namespace", False, ("ns",),
         subresources=("status", "finalize"), verbs=_NO_DELETECOLLECTION),
    Kind("", "v1", "Node", "nodes", "node", False, ("no",), subresources=("status", "proxy")),
    Kind("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim",
         True, ("pvc",), subresources=("status",)),
    Kind("", "v1", "PersistentVolume", "persistentvolumes", "persistentvolume", False,
         ("pv",), subresources=("status",)),
    Kind("", "v1", "Pod", "pods", "pod", True, ("po",), _ALL, _POD_SUBS),
    Kind("", "v1", "ReplicationController", "replicationcontrollers",
         "replicationcontroller", True, ("rc",), _ALL, ("status", "scale")),
    Kind("", "v1", "Secret", "secrets", "secret", True),
    Kind("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ("sa",)),
    Kind("", "v1", "Service", "services", "service", True, ("svc",), _ALL,
         ("status", "proxy")),
    # apps/v1
    Kind("apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ("ds",), _ALL,
         ("status",)),
    Kind("apps", "v1", "Deployment", "deployments", "deployment", True, ("deploy",), _ALL,
         ("status", "scale")),
    Kind("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ("rs",), _ALL,
         ("status", "scale")),
    Kind("apps", "v1", "StatefulSet", "statefulsets", "statefulset", True, ("sts",), _ALL,
         ("status", "scale")),
    # autoscaling/v2 (+v1)
    Kind("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
         "horizontalpodautoscaler", True, ("hpa",), _ALL, ("status",),
         other_versions=("v1",)),
    # batch/v1
    Kind("batch", "v1", "Job", "jobs", "job", True, (), _ALL, ("status",)),
    # networking.k8s.io/v1 (ingressclasses first, as discovery lists them)
    Kind("networking.k8s.io", "v1", "IngressClass", "ingressclasses", "ingressclass", False),
    Kind("networking.k8s.io", "v1", "Ingress", "ingresses", "ingress", True, ("ing",),
         subresources=("status",)),
    # discovery.k8s.io/v1
    Kind("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", "endpointslice", True),
    # coordination.k8s.io/v1
    Kind("coordination.k8s.io", "v1", "Lease", "leases", "lease", True),
)


def _split_api_version(api_version: str) -> tuple[str, str]:
    """``apps/v1`` -> (``apps``, ``v1``); ``v1`` -> (``""``, ``v1``)."""
    group, sep, version = api_version.rpartition("/")
    return (group, version) if sep else ("", api_version)


class KindRegistry:
    """Name resolution over a fixed set of kinds."""

    def __init__(self, kinds: Iterable[Kind]):
        self._kinds: list[Kind] = list(kinds)
        # lower-case name -> kinds claiming it, table order
        self._names: dict[str, list[Kind]] = {}
        self._by_gk: dict[tuple[str, str], Kind] = {}
        self._by_gr: dict[tuple[str, str], Kind] = {}
        for k in self._kinds:
            for name in {k.plural, k.singular, k.kind.lower(), *k.short_names}:
                self._names.setdefault(name.lower(), []).append(k)
            if (k.group, k.kind) in self._by_gk or (k.group, k.plural) in self._by_gr:
                raise ValueError(f"kind {k.kind} in group {k.group!r} registered twice")
            self._by_gk[(k.group, k.kind)] = k
            self._by_gr[(k.group, k.plural)] = k

    def all(self) -> list[Kind]:
        return list(self._kinds)

    def lookup(self, name: str) -> Kind:
        """Resolve ``deployments``/``deployment``/``Deployment``/``deploy``, or a
        group-qualified ``deploy.apps`` / ``deployments.v1.apps``, case-insensitively.

        Raises ApiError 404 when nothing matches, with kubectl's wording.
        """
        key = (name or "").strip().lower()
        found = self._names.get(key)
        if found:
            return found[0]
        resource, _, rest = key.partition(".")
        if rest:
            candidates = self._names.get(resource, [])
            for k in candidates:          # deployments.apps
                if k.group == rest:
                    return k
            version, _, group = rest.partition(".")
            for k in candidates:          # deployments.v1.apps
                if k.group == group and version in k.served_versions:
                    return k
        raise errors.ApiError(errors.status(
            404, "NotFound", f'the server doesn\'t have a resource type "{name}"'))

    def for_gvk(self, api_version: str, kind: str) -> Kind:
        """The kind an object with this ``apiVersion``/``kind`` belongs to."""
        group, version = _split_api_version(api_version or "")
        k = self._by_gk.get((group, kind))
        if k is None or version not in k.served_versions:
            raise errors.bad_request(
                f'no kind "{kind}" is registered for version "{api_version}"')
        return k

    def for_resource(self, group: str, version: str, plural: str) -> Kind:
        """The kind behind a REST path ``/apis/<group>/<version>/<plural>``."""
        k = self._by_gr.get((group, plural))
        if k is None or version not in k.served_versions:
            raise errors.ApiError(errors.status(
                404, "NotFound", "the server could not find the requested resource"))
        return k

    def groups(self) -> list[tuple[str, list[str]]]:
        """``[(group, [versions, preferred first])]``; the core group is ``""``, first."""
        out: dict[str, list[str]] = {}
        for k in self._kinds:
            versions = out.setdefault(k.group, [])
            for v in k.served_versions:
                if v not in versions:
                    versions.append(v)
        return sorted(out.items(), key=lambda gv: gv[0] != "")

    def resources(self, group: str, version: str) -> list[Kind]:
        """The kinds served at ``group``/``version`` (an APIResourceList's rows)."""
        return [k for k in self._kinds if k.group == group and version in k.served_versions]


def subresource(parent: Kind, name: str) -> Subresource:
    """Discovery facts for ``<parent.plural>/<name>`` with kind and group filled in."""
    if name not in parent.subresources:
        raise errors.ApiError(errors.status(
            404, "NotFound", "the server could not find the requested resource"))
    base = _SUBRESOURCES[name]
    kind = base.kind or (_PROXY_KINDS.get(parent.kind, "") if name == "proxy" else parent.kind)
    return Subresource(name, base.verbs, kind, base.group, base.version)


REGISTRY = KindRegistry(_TABLE)

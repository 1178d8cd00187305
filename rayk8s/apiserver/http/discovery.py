"""Discovery and the other non-resource endpoints: version, health, OpenAPI.

Legacy discovery only: ``/api`` answers ``APIVersions`` and ``/apis`` an
``APIGroupList`` even when the client asks for the aggregated form
(``as=APIGroupDiscoveryList``), and kubectl then fetches each
``/api/v1`` / ``/apis/<g>/<v>`` ``APIResourceList`` (kubectl-wire.md §1: that
works, and an aggregated body sent with the wrong Content-Type breaks
kubectl, so the simpler answer is the safer one).  Every document is built
from the kinds registry (``rayk8s.api.kinds``), so a kind added there shows
up in discovery, REST paths and ``kubectl api-resources`` at once.

``/version`` reports 1.32: the ``kubectl`` on PATH is a dispatcher that runs
``kubectl.1.<minor>`` of the server's minor version.

OpenAPI documents come from ``openapi.py`` (v3 index and per group-version
documents, optional v2); a missing module or document is a 404 Status.
``/openapi/v2`` is only served as JSON: kubectl asks for it in protobuf and
treats a 404 as "not served", which is better than a body it cannot parse.
"""

from __future__ import annotations

import json
import platform
from typing import Any

from ...api import errors, kinds
from .paths import not_found

KUBE_VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.0",
                "gitCommit": "rayk8s", "gitTreeState": "clean",
                "buildDate": "2024-12-11T00:00:00Z",
                "goVersion": "go1.23.3", "compiler": "gc",
                "platform": f"linux/{'arm64' if platform.machine() in ('arm64', 'aarch64') else 'amd64'}"}

NON_RESOURCE_PATHS = ("/api", "/api/v1", "/apis", "/healthz", "/livez", "/metrics",
                      "/openapi/v2", "/openapi/v3", "/readyz", "/version")


def version() -> dict:
    return dict(KUBE_VERSION)


def root_paths() -> dict:
    paths = set(NON_RESOURCE_PATHS)
    for group, versions in kinds.REGISTRY.groups():
        if group:
            paths.add(f"/apis/{group}")
            paths.update(f"/apis/{group}/{v}" for v in versions)
    return {"paths": sorted(paths)}


def api_versions(server_address: str) -> dict:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group(group: str, versions: list[str]) -> dict:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list() -> dict:
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(g, vs) for g, vs in kinds.REGISTRY.groups() if g]}


def api_group(group: str) -> dict:
    for g, versions in kinds.REGISTRY.groups():
        if g and g == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group(g, versions)}
    raise not_found()


def resource_list(group: str, version: str) -> dict:
    """The APIResourceList of ``group``/``version``, subresources included."""
    served = kinds.REGISTRY.resources(group, version)
    if not served:
        raise not_found()
    resources: list[dict[str, Any]] = []
    for k in served:
        entry: dict[str, Any] = {"name": k.plural, "singularName": k.singular,
                                 "namespaced": k.namespaced, "kind": k.kind,
                                 "verbs": sorted(k.verbs)}
        if k.short_names:
            entry["shortNames"] = list(k.short_names)
        if k.categories:
            entry["categories"] = list(k.categories)
        resources.append(entry)
        for name in k.subresources:
            sub = kinds.subresource(k, name)
            row: dict[str, Any] = {"name": f"{k.plural}/{name}", "singularName": "",
                                   "namespaced": k.namespaced, "kind": sub.kind,
                                   "verbs": sorted(sub.verbs)}
            if sub.group:
                row["group"], row["version"] = sub.group, sub.version
            resources.append(row)
    resources.sort(key=lambda r: r["name"])
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources}


def _openapi():
    try:
        from . import openapi
    except ImportError:
        return None
    return openapi


def _missing(what: str) -> errors.ApiError:
    return errors.ApiError(errors.status(404, "NotFound", f"{what} is not served", {}))


def openapi_v3_root() -> dict:
    mod = _openapi()
    if mod is None:
        raise _missing("the OpenAPI v3 index")
    return mod.v3_root()


def openapi_v3_document(gv_path: str) -> tuple[bytes, str]:
    """The group-version's document as JSON bytes, and its hash ("" if unknown)."""
    mod = _openapi()
    if mod is None:
        raise not_found()
    path = gv_path.strip("/")
    if hasattr(mod, "v3_document_json"):  # serialised once by openapi.py
        found = mod.v3_document_json(path)
        if found is None:
            raise not_found()
        return found
    doc = mod.v3_document(path)
    if doc is None:
        raise not_found()
    return json.dumps(doc, separators=(",", ":")).encode(), ""


def openapi_v2(accept: str) -> dict:
    mod = _openapi()
    if mod is None or not _json_acceptable(accept):
        raise _missing("the OpenAPI v2 document (as JSON only)")
    doc = mod.v2()
    if doc is None:
        raise not_found()
    return doc


def _json_acceptable(accept: str) -> bool:
    if not accept:
        return True
    for entry in accept.split(","):
        mt = entry.split(";", 1)[0].strip().lower()
        if mt in ("application/json", "*/*", "application/*"):
            return True
    return False

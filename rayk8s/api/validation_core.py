"""Validation of the non-workload kinds: Service, Namespace, Node, ConfigMap,
Secret, PersistentVolume(Claim), Event, Endpoints, EndpointSlice, Lease,
Ingress, IngressClass and Binding.

Each ``spec_<kind>(obj, old)`` returns causes for the object (``old`` None on
create) including, on update, what may not change.  Messages and paths follow
k8s.io/kubernetes/pkg/apis/{core,networking,discovery,coordination}/validation.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from . import names, quantity
from .validation_common import (Causes, duplicate, each, forbidden, immutable, integer,
                                invalid, is_int, mapping, nonnegative, not_supported,
                                required, seq, too_long, validate_labels, validate_selector)
from .validation_pods import PROTOCOLS, VOLUME_SOURCES

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
MAX_SECRET_SIZE = 1024 * 1024
MAX_CLIENT_IP_AFFINITY = 86400
_PV_SOURCES = tuple(s for s in VOLUME_SOURCES if s not in (
    "secret", "configMap", "projected", "downwardAPI", "emptyDir", "persistentVolumeClaim",
    "ephemeral", "gitRepo", "image")) + ("local",)


# ------------------------------------------------------------------ Service

def _cluster_ips(spec: dict) -> list:
    ips = spec.get("clusterIPs")
    if ips:
        return list(seq(ips))
    return [spec["clusterIP"]] if spec.get("clusterIP") else []


def _headless(spec: dict) -> bool:
    return spec.get("clusterIP") == "None"


def _service_ports(spec: dict) -> Causes:
    out: Causes = []
    ports = seq(spec.get("ports"))
    seen_names: set[str] = set()
    seen_ports: set[tuple] = set()
    seen_node_ports: set[tuple] = set()
    for i, port in enumerate(ports):
        port, p = mapping(port), f"spec.ports[{i}]"
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            out.append(required(f"{p}.name"))
        elif name:
            out += each(f"{p}.name", name, names.is_dns1123_label(str(name)))
            if name in seen_names:
                out.append(duplicate(f"{p}.name", name))
            seen_names.add(name)
        out += each(f"{p}.port", port.get("port"), names.is_valid_port_num(port.get("port")))
        proto = port.get("protocol")
        if proto is not None and proto not in PROTOCOLS:
            out.append(not_supported(f"{p}.protocol", proto, PROTOCOLS))
        target = port.get("targetPort")
        if isinstance(target, str):
            out += each(f"{p}.targetPort", target, names.is_valid_port_name(target))
        elif target is not None:
            out += each(f"{p}.targetPort", target, names.is_valid_port_num(target))
        node_port = port.get("nodePort")
        if node_port:
            out += each(f"{p}.nodePort", node_port, names.is_in_range(node_port, 0, 65535)
                        if is_int(node_port) else [names.inclusive_range_error(0, 65535)])
            if spec.get("type", "ClusterIP") == "ClusterIP":
                out.append(forbidden(f"{p}.nodePort",
                                     "may not be used when `type` is 'ClusterIP'"))
            key = (proto or "TCP", node_port)
            if key in seen_node_ports:
                out.append(duplicate(f"{p}.nodePort", node_port))
            seen_node_ports.add(key)
        key = (proto or "TCP", port.get("port"))
        if key in seen_ports:
            out.append(duplicate(p, {"port": key[1], "protocol": key[0]}))
        seen_ports.add(key)
    return out


def _service_cluster_ips(spec: dict) -> Causes:
    out: Causes = []
    ips = seq(spec.get("clusterIPs"))
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                out.append(invalid("spec.clusterIPs", ips, "'None' must be the first and only "
                                   "value"))
            continue
        out += each(f"spec.clusterIPs[{i}]", ip, names.is_valid_ip(str(ip)))
    if spec.get("clusterIP") and not ips:
        ip = spec["clusterIP"]
        if ip != "None":
            out += each("spec.clusterIP", ip, names.is_valid_ip(str(ip)))
    elif ips and spec.get("clusterIP") != ips[0]:
        out.append(invalid("spec.clusterIPs", ips, "first value must match `clusterIP`"))
    return out


def _service_update(spec: dict, old_spec: dict) -> Causes:
    """A ClusterIP can't change once allocated, unless ExternalName is involved."""
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    if _headless(spec) and _headless(old_spec):
        return []
    new_ips, old_ips = _cluster_ips(spec), _cluster_ips(old_spec)
    if old_ips and not new_ips:
        return [invalid("spec.clusterIPs[0]", new_ips, "primary clusterIP can not be unset")]
    if old_ips and new_ips[0] != old_ips[0]:
        return [invalid("spec.clusterIPs[0]", new_ips, "may not change once set")]
    return []


def spec_service(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out: Causes = []
    stype = spec.get("type")
    if not seq(spec.get("ports")) and not _headless(spec) and stype != "ExternalName":
        out.append(required("spec.ports"))
    if stype in ("LoadBalancer", "NodePort") and _headless(spec):
        out.append(invalid("spec.clusterIPs[0]", "None",
                           f"may not be set to 'None' for {stype} services"))
    elif stype == "ExternalName":
        if spec.get("clusterIP") or seq(spec.get("clusterIPs")):
            out.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        if seq(spec.get("ipFamilies")):
            out.append(forbidden("spec.ipFamilies", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            out.append(forbidden("spec.ipFamilyPolicy",
                                 "may not be set for ExternalName services"))
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            out += each("spec.externalName", cname, names.is_dns1123_subdomain(cname))
        else:
            out.append(required("spec.externalName"))
    out += _service_ports(spec)
    out += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity")
    if affinity is not None and affinity not in ("ClientIP", "None"):
        out.append(not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    if affinity == "ClientIP":
        timeout = mapping(mapping(spec.get("sessionAffinityConfig")).get("clientIP")).get(
            "timeoutSeconds")
        if timeout is not None and (not is_int(timeout)
                                    or not 0 < timeout <= MAX_CLIENT_IP_AFFINITY):
            out.append(invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                               f"must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY}"))
    elif affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        out.append(forbidden("spec.sessionAffinityConfig",
                             "must not be set when session affinity is None"))
    if stype != "ExternalName":
        out += _service_cluster_ips(spec)
    for i, ip in enumerate(seq(spec.get("externalIPs"))):
        out += each(f"spec.externalIPs[{i}]", ip, names.is_valid_ip(str(ip)))
    if stype is not None and stype not in SERVICE_TYPES:
        out.append(not_supported("spec.type", stype, SERVICE_TYPES))
    etp = spec.get("externalTrafficPolicy")
    if stype not in ("NodePort", "LoadBalancer") and not seq(spec.get("externalIPs")):
        if etp:
            out.append(invalid("spec.externalTrafficPolicy", etp,
                               "may only be set for externally-accessible services"))
    elif etp is not None and etp not in ("Cluster", "Local"):
        out.append(not_supported("spec.externalTrafficPolicy", etp, ("Cluster", "Local")))
    itp = spec.get("internalTrafficPolicy")
    if itp is not None and itp not in ("Cluster", "Local"):
        out.append(not_supported("spec.internalTrafficPolicy", itp, ("Cluster", "Local")))
    if old is not None:
        out += _service_update(spec, mapping(old.get("spec")))
    return out


# ------------------------------------------------------------------ config & secrets

def _b64_len(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def _data_keys(data: Any, path: str) -> Causes:
    out: Causes = []
    for key in mapping(data):
        out += each(f"{path}[{key}]", key, names.is_config_map_key(str(key)))
    return out


def _immutable_data(obj: dict, old: dict | None, fields: tuple[str, ...]) -> Causes:
    if old is None or not old.get("immutable"):
        return []
    out: Causes = []
    if obj.get("immutable") is not True:
        out.append(forbidden("immutable", "field is immutable when `immutable` is set"))
    for f in fields:
        if obj.get(f) != old.get(f):
            out.append(forbidden(f, "field is immutable when `immutable` is set"))
    return out


def spec_configmap(obj: dict, old: dict | None) -> Causes:
    data, binary = mapping(obj.get("data")), mapping(obj.get("binaryData"))
    out = _data_keys(data, "data")
    for key in data:
        if key in binary:
            out.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
    out += _data_keys(binary, "binaryData")
    size = sum(len(str(v).encode()) for v in data.values()) + sum(map(_b64_len, binary.values()))
    if size > MAX_SECRET_SIZE:
        out.append(too_long("", MAX_SECRET_SIZE))
    return out + _immutable_data(obj, old, ("data", "binaryData"))


# (type, required data keys; both missing -> one cause each)
_SECRET_KEYS = {
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/tls": ("tls.key", "tls.crt"),
}


def spec_secret(obj: dict, old: dict | None) -> Causes:
    data = mapping(obj.get("data"))
    out = _data_keys(data, "data")
    if sum(map(_b64_len, data.values())) > MAX_SECRET_SIZE:
        out.append(too_long("data", MAX_SECRET_SIZE))
    stype = obj.get("type") or "Opaque"
    for key in _SECRET_KEYS.get(stype, ()):
        if key not in data:
            out.append(required(f"data[{key}]"))
    if stype == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        out += [required("data[username]"), required("data[password]")]
    if stype == "kubernetes.io/service-account-token":
        annotations = mapping(mapping(obj.get("metadata")).get("annotations"))
        if not annotations.get("kubernetes.io/service-account.name"):
            out.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    if old is not None:
        out += immutable(obj.get("type") or "Opaque", old.get("type") or "Opaque", "type")
    return out + _immutable_data(obj, old, ("data",))


# ------------------------------------------------------------------ volumes

def _access_modes(spec: dict, detail: str) -> Causes:
    modes = seq(spec.get("accessModes"))
    out = [] if modes else [required("spec.accessModes", detail)]
    for mode in modes:
        if mode not in ACCESS_MODES:
            out.append(not_supported("spec.accessModes", mode, ACCESS_MODES))
    return out


def _positive_quantity(value: Any, path: str) -> Causes:
    try:
        q = quantity.parse_quantity(value)
    except ValueError as exc:
        return [invalid(path, value, str(exc))]
    return [] if q > 0 else [invalid(path, str(value), "must be greater than zero")]


def _volume_mode(spec: dict) -> Causes:
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        return [not_supported("spec.volumeMode", mode, ("Block", "Filesystem"))]
    return []


def spec_pv(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out = _access_modes(spec, "")
    capacity = mapping(spec.get("capacity"))
    if not capacity:
        out.append(required("spec.capacity"))
    if "storage" not in capacity or len(capacity) > 1:
        out.append(not_supported("spec.capacity", capacity, ("storage",)))
    for name, qty in capacity.items():
        out += _positive_quantity(qty, f"spec.capacity[{name}]")
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy is not None and policy not in ("Delete", "Recycle", "Retain"):
        out.append(not_supported("spec.persistentVolumeReclaimPolicy", policy,
                                 ("Delete", "Recycle", "Retain")))
    given = [s for s in _PV_SOURCES if spec.get(s) is not None]
    if not given:
        out.append(required("spec", "must specify a volume type"))
    for extra in given[1:]:
        out.append(forbidden(f"spec.{extra}", "may not specify more than 1 volume type"))
    out += _volume_mode(spec)
    if old is not None:
        out += immutable(spec.get("volumeMode"), mapping(old.get("spec")).get("volumeMode"),
                         "volumeMode")
    return out


def spec_pvc(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out = _access_modes(spec, "at least 1 access mode is required")
    out += validate_selector(spec.get("selector"), "spec.selector")
    requests = mapping(mapping(spec.get("resources")).get("requests"))
    if "storage" not in requests:
        out.append(required("spec.resources[storage]"))
    else:
        out += _positive_quantity(requests["storage"], "spec.resources[storage]")
    out += _volume_mode(spec)
    if old is not None:
        out += _pvc_update(obj, spec, old)
    return out


def _pvc_update(obj: dict, spec: dict, old: dict) -> Causes:
    old_spec = mapping(old.get("spec"))
    new_cmp, old_cmp = dict(spec), dict(old_spec)
    if not old_spec.get("volumeName"):      # the binder sets volumeName once
        old_cmp["volumeName"] = spec.get("volumeName")
        if old_cmp["volumeName"] is None:
            old_cmp.pop("volumeName")
    bound = mapping(obj.get("status")).get("phase") == "Bound"
    new_res, old_res = mapping(spec.get("resources")), mapping(old_spec.get("resources"))
    if bound:   # a bound claim may grow
        new_cmp["resources"] = dict(new_res, requests=dict(mapping(new_res.get("requests"))))
        new_cmp["resources"]["requests"]["storage"] = mapping(
            old_res.get("requests")).get("storage")
        old_cmp["resources"] = dict(old_res, requests=dict(mapping(old_res.get("requests"))))
    out: Causes = []
    if new_cmp != old_cmp:
        out.append(forbidden("spec", "spec is immutable after creation except resources.requests "
                             "and volumeAttributesClassName for bound claims"))
    try:
        new_size = quantity.parse_quantity(mapping(new_res.get("requests")).get("storage", 0))
        old_size = quantity.parse_quantity(mapping(old_res.get("requests")).get("storage", 0))
    except ValueError:
        return out
    if new_size < old_size:
        out.append(forbidden("spec.resources.requests.storage",
                             "field can not be less than previous value"))
    return out


# ------------------------------------------------------------------ the rest

def spec_namespace(obj: dict, old: dict | None) -> Causes:
    out: Causes = []
    for f in seq(mapping(obj.get("spec")).get("finalizers")):
        out += each("spec.finalizers", f, names.is_qualified_name(str(f)))
    return out


def spec_node(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out: Causes = []
    for i, taint in enumerate(seq(spec.get("taints"))):
        taint, p = mapping(taint), f"spec.taints[{i}]"
        key = str(taint.get("key") or "")
        out += each(f"{p}.key", key, names.is_qualified_name(key))
        if taint.get("value"):
            out += each(f"{p}.value", taint["value"],
                        names.is_valid_label_value(str(taint["value"])))
        effect = taint.get("effect")
        if not effect:
            out.append(required(f"{p}.effect"))
        elif effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            out.append(not_supported(f"{p}.effect", effect,
                                     ("NoSchedule", "PreferNoSchedule", "NoExecute")))
    if old is not None:
        old_cidr = mapping(old.get("spec")).get("podCIDR")
        if old_cidr and spec.get("podCIDR") != old_cidr:
            out.append(forbidden("spec.podCIDRs", "node updates may not change podCIDR except "
                                 "from \"\" to valid"))
    return out


def spec_event(obj: dict, old: dict | None) -> Causes:
    meta, involved = mapping(obj.get("metadata")), mapping(obj.get("involvedObject"))
    ns, inv_ns = meta.get("namespace") or "", involved.get("namespace") or ""
    if not obj.get("eventTime"):
        if (not inv_ns and ns not in ("", "default")) or (inv_ns and ns != inv_ns):
            return [invalid("involvedObject.namespace", inv_ns, "does not match event.namespace")]
    return []


def spec_endpoints(obj: dict, old: dict | None) -> Causes:
    out: Causes = []
    for i, subset in enumerate(seq(obj.get("subsets"))):
        subset, p = mapping(subset), f"subsets[{i}]"
        for key in ("addresses", "notReadyAddresses"):
            for j, addr in enumerate(seq(subset.get(key))):
                ip = str(mapping(addr).get("ip") or "")
                out += each(f"{p}.{key}[{j}].ip", ip, names.is_valid_ip(ip))
        ports = seq(subset.get("ports"))
        for j, port in enumerate(ports):
            port, pp = mapping(port), f"{p}.ports[{j}]"
            if len(ports) > 1 and not port.get("name"):
                out.append(required(f"{pp}.name"))
            out += each(f"{pp}.port", port.get("port"), names.is_valid_port_num(port.get("port")))
            proto = port.get("protocol")
            if proto is not None and proto not in PROTOCOLS:
                out.append(not_supported(f"{pp}.protocol", proto, PROTOCOLS))
    return out


def spec_endpoint_slice(obj: dict, old: dict | None) -> Causes:
    out: Causes = []
    family = obj.get("addressType")
    if not family:
        out.append(required("addressType"))
    elif family not in ("IPv4", "IPv6", "FQDN"):
        out.append(not_supported("addressType", family, ("FQDN", "IPv4", "IPv6")))
    for i, ep in enumerate(seq(obj.get("endpoints"))):
        addrs = seq(mapping(ep).get("addresses"))
        if not addrs:
            out.append(required(f"endpoints[{i}].addresses", "must contain at least 1 address"))
        for j, addr in enumerate(addrs):
            if family in ("IPv4", "IPv6"):
                out += each(f"endpoints[{i}].addresses[{j}]", addr, names.is_valid_ip(str(addr)))
    for i, port in enumerate(seq(obj.get("ports"))):
        port = mapping(port)
        if port.get("port") is not None:
            out += each(f"ports[{i}].port", port["port"], names.is_valid_port_num(port["port"]))
        proto = port.get("protocol")
        if proto is not None and proto not in PROTOCOLS:
            out.append(not_supported(f"ports[{i}].protocol", proto, PROTOCOLS))
    if old is not None:
        out += immutable(family, old.get("addressType"), "addressType")
    return out


def spec_lease(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    out: Causes = []
    duration = integer(spec, "leaseDurationSeconds", "spec.leaseDurationSeconds", out)
    if duration is not None and duration <= 0:
        out.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    return out + nonnegative(spec, "leaseTransitions", "spec.leaseTransitions")


def _ingress_backend(backend: dict, path: str) -> Causes:
    service, resource = backend.get("service"), backend.get("resource")
    if service is not None and resource is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if service is None and resource is None:
        return [invalid(path, "", "resource or service backend is required")]
    if resource is not None:
        return []
    service, out = mapping(service), []
    if not service.get("name"):
        out.append(required(f"{path}.service.name"))
    port = mapping(service.get("port"))
    if port.get("name") and port.get("number"):
        out.append(invalid(f"{path}.service.port", port, "cannot set both port name & port "
                           "number"))
    elif port.get("name"):
        out += each(f"{path}.service.port.name", port["name"],
                    names.is_valid_port_name(str(port["name"])))
    elif port.get("number") is not None:
        out += each(f"{path}.service.port.number", port["number"],
                    names.is_valid_port_num(port["number"]))
    else:
        out.append(required(f"{path}.service.port", "port name or number is required"))
    return out


def spec_ingress(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    rules = seq(spec.get("rules"))
    out: Causes = []
    if not rules and spec.get("defaultBackend") is None:
        out.append(invalid("spec", rules, "either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend") is not None:
        out += _ingress_backend(mapping(spec["defaultBackend"]), "spec.defaultBackend")
    for i, rule in enumerate(rules):
        rule, p = mapping(rule), f"spec.rules[{i}]"
        host = str(rule.get("host") or "")
        if host:
            check = host[2:] if host.startswith("*.") else host
            out += each(f"{p}.host", host, names.is_dns1123_subdomain(check))
        for j, hp in enumerate(seq(mapping(rule.get("http")).get("paths"))):
            hp, pp = mapping(hp), f"{p}.http.paths[{j}]"
            ptype, path = hp.get("pathType"), str(hp.get("path") or "")
            if not ptype:
                out.append(required(f"{pp}.pathType", "pathType must be specified"))
            elif ptype not in ("Exact", "ImplementationSpecific", "Prefix"):
                out.append(not_supported(f"{pp}.pathType", ptype,
                                         ("Exact", "ImplementationSpecific", "Prefix")))
            if ptype in ("Exact", "Prefix") and not path.startswith("/"):
                out.append(invalid(f"{pp}.path", path, "must be an absolute path"))
            out += _ingress_backend(mapping(hp.get("backend")), f"{pp}.backend")
    return out


_MAX_INGRESS_CLASS_CONTROLLER = 250
_HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+"
_HTTP_PATH_RE = re.compile(f"^{_HTTP_PATH_FMT}$")
INGRESS_CLASS_SCOPES = ("Cluster", "Namespace")


def _path_segment_name(name: str) -> list[str]:
    """``IsValidPathSegmentName``: usable as one segment of a REST path."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]


def _domain_prefixed_path(path: str, value: str) -> Causes:
    """``IsDomainPrefixedPath``: ``acme.io/foo``, a DNS subdomain, '/', an HTTP path."""
    if not value:
        return [required(path)]
    host, sep, rest = value.partition("/")
    if not sep or not host or not rest:
        return [invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')]
    out = each(path, host, names.is_dns1123_subdomain(host))
    if not _HTTP_PATH_RE.match(rest):
        out.append(invalid(path, rest, names.regex_error("Invalid path", _HTTP_PATH_FMT)))
    return out


def _ingress_class_parameters(params: dict, p: str) -> Causes:
    out: Causes = []
    if params.get("apiGroup") is not None:
        group = str(params["apiGroup"])
        out += each(f"{p}.apiGroup", group, names.is_dns1123_subdomain(group))
    for field in ("kind", "name"):
        value = str(params.get(field) or "")
        if not value:
            out.append(required(f"{p}.{field}", f"{field} is required"))
        else:
            out += each(f"{p}.{field}", value, _path_segment_name(value))
    scope = params.get("scope")
    if scope is None:
        return out + [required(f"{p}.scope")]
    namespace = params.get("namespace")
    if scope not in INGRESS_CLASS_SCOPES:
        out.append(not_supported(f"{p}.scope", scope, INGRESS_CLASS_SCOPES))
    elif scope == "Namespace":
        if namespace is None:
            out.append(required(f"{p}.namespace", "`parameters.scope` is set to 'Namespace'"))
        else:
            out += each(f"{p}.namespace", namespace, names.name_is_dns_label(str(namespace)))
    elif namespace is not None:
        out.append(forbidden(f"{p}.namespace", "`parameters.scope` is set to 'Cluster'"))
    return out


def spec_ingress_class(obj: dict, old: dict | None) -> Causes:
    spec = mapping(obj.get("spec"))
    controller = str(spec.get("controller") or "")
    out: Causes = []
    if old is not None:
        out += immutable(spec.get("controller"), mapping(old.get("spec")).get("controller"),
                         "spec.controller")
    if len(controller) > _MAX_INGRESS_CLASS_CONTROLLER:
        out.append(too_long("spec.controller", _MAX_INGRESS_CLASS_CONTROLLER))
    out += _domain_prefixed_path("spec.controller", controller)
    if spec.get("parameters") is not None:
        out += _ingress_class_parameters(mapping(spec["parameters"]), "spec.parameters")
    return out


def spec_binding(obj: dict, old: dict | None) -> Causes:
    target = mapping(obj.get("target"))
    out: Causes = []
    if target.get("kind") and target["kind"] != "Node":
        out.append(not_supported("target.kind", target["kind"], ("Node", "<empty>")))
    if not target.get("name"):
        out.append(required("target.name"))
    return out


def status_pvc(obj: dict) -> Causes:
    out: Causes = []
    for name, qty in mapping(mapping(obj.get("status")).get("capacity")).items():
        try:
            if quantity.parse_quantity(qty) < 0:
                out.append(invalid(f"status.capacity[{name}]", str(qty),
                                   "must be greater than or equal to 0"))
        except ValueError as exc:
            out.append(invalid(f"status.capacity[{name}]", qty, str(exc)))
    return out

"""Validation of PodSpec, pod templates and pod updates.

Follows ``ValidatePodSpec`` / ``ValidatePodTemplateSpec`` / ``ValidatePodUpdate``
of k8s.io/kubernetes/pkg/apis/core/validation for the fields this emulator
plays: containers (names, images, ports, env, volume mounts, resources,
probes, lifecycle), volumes, restart and DNS policies, node selector,
tolerations, service account and node names.  Fields Kubernetes defaults
(``restartPolicy``, ``imagePullPolicy``, a port's ``protocol`` ...) are checked
when present and skipped when absent, so validating a defaulted object gives
Kubernetes' answer and validating an undefaulted one does not drown the user
in "Required value" for things the server would have filled in.
"""

from __future__ import annotations

from typing import Any

from . import names, quantity
from .validation_common import (Causes, duplicate, each, forbidden, integer, invalid, is_int,
                                mapping, nonnegative, not_found, not_supported, required, seq,
                                validate_annotations, validate_labels)

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("SCTP", "TCP", "UDP")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
HANDLER_TYPES = ("exec", "httpGet", "tcpSocket", "grpc", "sleep")
ENV_FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                   "spec.serviceAccountName", "status.hostIP", "status.hostIPs",
                   "status.podIP", "status.podIPs")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo",
    "secret", "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume",
    "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap",
    "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
    "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image")
# A volume source's required name field: (source, field).
_VOLUME_REFS = {"configMap": "name", "secret": "secretName",
                "persistentVolumeClaim": "claimName", "hostPath": "path"}
_MAX_INT32 = 2**31 - 1
UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)",
)


# ------------------------------------------------------------------ volumes

def _validate_volumes(volumes: Any, path: str) -> tuple[set[str], Causes]:
    out: Causes = []
    seen: set[str] = set()
    for i, vol in enumerate(seq(volumes)):
        vol, p = mapping(vol), f"{path}[{i}]"
        name = vol.get("name") or ""
        if not name:
            out.append(required(f"{p}.name"))
        else:
            out += each(f"{p}.name", name, names.is_dns1123_label(str(name)))
        if name and name in seen:
            out.append(duplicate(f"{p}.name", name))
        seen.add(name)
        given = [s for s in VOLUME_SOURCES if vol.get(s) is not None]
        if not given:
            out.append(required(p, "must specify a volume type"))
        for extra in given[1:]:
            out.append(forbidden(f"{p}.{extra}", "may not specify more than 1 volume type"))
        if given:
            ref = _VOLUME_REFS.get(given[0])
            if ref and not mapping(vol.get(given[0])).get(ref):
                out.append(required(f"{p}.{given[0]}.{ref}"))
    return seen, out


# ------------------------------------------------------------------ containers

def _port_num_or_name(value: Any, path: str) -> Causes:
    if isinstance(value, str):
        return each(path, value, names.is_valid_port_name(value))
    return each(path, value, names.is_valid_port_num(value))


def _validate_ports(ports: Any, path: str) -> Causes:
    out: Causes = []
    seen: set[str] = set()
    for i, port in enumerate(seq(ports)):
        port, p = mapping(port), f"{path}[{i}]"
        name = port.get("name")
        if name:
            problems = names.is_valid_port_name(str(name))
            if problems:
                out += each(f"{p}.name", name, problems)
            elif name in seen:
                out.append(duplicate(f"{p}.name", name))
            else:
                seen.add(name)
        cport = port.get("containerPort")
        if not cport:
            out.append(required(f"{p}.containerPort"))
        else:
            out += each(f"{p}.containerPort", cport, names.is_valid_port_num(cport))
        hport = port.get("hostPort")
        if hport:
            out += each(f"{p}.hostPort", hport, names.is_valid_port_num(hport))
        proto = port.get("protocol")
        if proto and proto not in PROTOCOLS:
            out.append(not_supported(f"{p}.protocol", proto, PROTOCOLS))
    return out


def _validate_env(env: Any, path: str) -> Causes:
    out: Causes = []
    for i, ev in enumerate(seq(env)):
        ev, p = mapping(ev), f"{path}[{i}]"
        name = ev.get("name")
        if not name:
            out.append(required(f"{p}.name"))
        else:
            out += each(f"{p}.name", name, names.is_env_var_name(str(name)))
        src = ev.get("valueFrom")
        if src is None:
            continue
        src, sp = mapping(src), f"{p}.valueFrom"
        kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
                 if src.get(k) is not None]
        if not kinds:
            out.append(invalid(sp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                               "`configMapKeyRef` or `secretKeyRef`"))
        elif ev.get("value"):
            out.append(invalid(sp, "", "may not be specified when `value` is not empty"))
        elif len(kinds) > 1:
            out.append(invalid(sp, "", "may not have more than one field specified at a time"))
        for ref in ("configMapKeyRef", "secretKeyRef"):
            sel = src.get(ref)
            if sel is not None:
                key = mapping(sel).get("key")
                if not key:
                    out.append(required(f"{sp}.{ref}.key"))
                else:
                    out += each(f"{sp}.{ref}.key", key, names.is_config_map_key(str(key)))
        field_ref = src.get("fieldRef")
        if field_ref is not None:
            fpath = mapping(field_ref).get("fieldPath")
            fp = f"{sp}.fieldRef.fieldPath"
            if not fpath:
                out.append(required(fp))
            elif not (str(fpath).startswith(("metadata.labels[", "metadata.annotations["))
                      or fpath in ENV_FIELD_PATHS):
                out.append(not_supported(fp, fpath, sorted(ENV_FIELD_PATHS)))
    return out


def _validate_env_from(env_from: Any, path: str) -> Causes:
    out: Causes = []
    for i, ef in enumerate(seq(env_from)):
        ef, p = mapping(ef), f"{path}[{i}]"
        if ef.get("prefix"):
            out += each(f"{p}.prefix", ef["prefix"], names.is_env_var_name(str(ef["prefix"])))
        refs = [r for r in ("configMapRef", "secretRef") if ef.get(r) is not None]
        if not refs:
            out.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            out.append(invalid(path, "", "may not have more than one field specified at a time"))
        for r in refs:
            if not mapping(ef[r]).get("name"):
                out.append(required(f"{p}.{r}.name"))
    return out


def _validate_volume_mounts(mounts: Any, volumes: set[str], path: str) -> Causes:
    out: Causes = []
    paths: set[str] = set()
    for i, m in enumerate(seq(mounts)):
        m, p = mapping(m), f"{path}[{i}]"
        name = m.get("name") or ""
        if not name:
            out.append(required(f"{p}.name"))
        if name not in volumes:
            out.append(not_found(f"{p}.name", name))
        mount_path = m.get("mountPath") or ""
        if not mount_path:
            out.append(required(f"{p}.mountPath"))
        if mount_path in paths:
            out.append(invalid(f"{p}.mountPath", mount_path, "must be unique"))
        paths.add(mount_path)
    return out


def _resource_name_problems(name: str) -> list[str]:
    problems = names.is_qualified_name(name)
    if problems:
        return problems
    if "/" not in name:
        if name not in ("cpu", "memory", "ephemeral-storage") \
                and not name.startswith("hugepages-"):
            return ["must be a standard resource for containers"]
    return []


def _overcommit_allowed(name: str) -> bool:
    native = "/" not in name or "kubernetes.io/" in name
    return native and not name.startswith("hugepages-")


def _validate_resources(res: Any, path: str) -> Causes:
    res = mapping(res)
    out: Causes = []
    parsed: dict[str, dict] = {"limits": {}, "requests": {}}
    for part in ("limits", "requests"):
        for name, qty in mapping(res.get(part)).items():
            p = f"{path}.{part}[{name}]"
            problems = _resource_name_problems(str(name))
            out += each(p, name, problems)
            try:
                value = quantity.parse_quantity(qty)
            except ValueError as exc:
                out.append(invalid(p, qty, str(exc)))
                continue
            if value < 0:
                out.append(invalid(p, str(qty), "must be greater than or equal to 0"))
            elif not _overcommit_allowed(str(name)) and "/" in str(name) \
                    and value.denominator != 1:
                out.append(invalid(p, str(qty), "must be an integer"))
            parsed[part][name] = (value, str(qty))
    for name, (req, req_text) in parsed["requests"].items():
        if name in parsed["limits"]:
            lim, lim_text = parsed["limits"][name]
            if req != lim and not _overcommit_allowed(str(name)):
                out.append(invalid(f"{path}.requests", req_text,
                                   f"must be equal to {name} limit of {lim_text}"))
            elif req > lim:
                out.append(invalid(f"{path}.requests", req_text,
                                   f"must be less than or equal to {name} limit of {lim_text}"))
        elif not _overcommit_allowed(str(name)):
            out.append(required(f"{path}.limits",
                                "Limit must be set for non overcommitable resources"))
    return out


def _validate_handler(handler: dict, path: str) -> Causes:
    out: Causes = []
    given = [t for t in HANDLER_TYPES if handler.get(t) is not None]
    if not given:
        return [required(path, "must specify a handler type")]
    for extra in given[1:]:
        out.append(forbidden(f"{path}.{extra}", "may not specify more than 1 handler type"))
    kind, body, p = given[0], mapping(handler.get(given[0])), f"{path}.{given[0]}"
    if kind == "exec" and not seq(body.get("command")):
        out.append(required(f"{p}.command"))
    elif kind == "httpGet":
        if body.get("path") == "":
            out.append(required(f"{p}.path"))
        out += _port_num_or_name(body.get("port"), f"{p}.port")
        scheme = body.get("scheme")
        if scheme is not None and scheme not in ("HTTP", "HTTPS"):
            out.append(not_supported(f"{p}.scheme", scheme, ("HTTP", "HTTPS")))
        for h in seq(body.get("httpHeaders")):
            hname = str(mapping(h).get("name") or "")
            out += each(f"{p}.httpHeaders", hname, names.is_http_header_name(hname))
    elif kind in ("tcpSocket", "grpc"):
        out += _port_num_or_name(body.get("port"), f"{p}.port")
    return out


def _validate_probe(probe: Any, path: str, *, success_one: bool) -> Causes:
    if probe is None:
        return []
    probe = mapping(probe)
    out = _validate_handler(probe, path)
    for f in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
              "failureThreshold"):
        out += nonnegative(probe, f, f"{path}.{f}")
    if success_one and is_int(probe.get("successThreshold")) and probe["successThreshold"] != 1:
        out.append(invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1"))
    return out


def _validate_lifecycle(lifecycle: Any, path: str) -> Causes:
    out: Causes = []
    for hook in ("postStart", "preStop"):
        h = mapping(lifecycle).get(hook)
        if h is not None:
            out += _validate_handler(mapping(h), f"{path}.{hook}")
    return out


def _validate_container_common(c: dict, p: str, volumes: set[str]) -> Causes:
    out: Causes = []
    name = c.get("name")
    if not name:
        out.append(required(f"{p}.name"))
    else:
        out += each(f"{p}.name", name, names.is_dns1123_label(str(name)))
    if not c.get("image"):
        out.append(required(f"{p}.image"))
    tmp = c.get("terminationMessagePolicy")
    if tmp and tmp not in TERMINATION_MESSAGE_POLICIES:
        out.append(not_supported(f"{p}.terminationMessagePolicy", tmp,
                                 TERMINATION_MESSAGE_POLICIES))
    out += _validate_ports(c.get("ports"), f"{p}.ports")
    out += _validate_env(c.get("env"), f"{p}.env")
    out += _validate_env_from(c.get("envFrom"), f"{p}.envFrom")
    out += _validate_volume_mounts(c.get("volumeMounts"), volumes, f"{p}.volumeMounts")
    pull = c.get("imagePullPolicy")
    if pull and pull not in PULL_POLICIES:
        out.append(not_supported(f"{p}.imagePullPolicy", pull, PULL_POLICIES))
    out += _validate_resources(c.get("resources"), f"{p}.resources")
    return out


def _host_port_conflicts(containers: list, path: str) -> Causes:
    out: Causes = []
    seen: set[str] = set()
    for i, c in enumerate(containers):
        for j, port in enumerate(seq(mapping(c).get("ports"))):
            port = mapping(port)
            if not port.get("hostPort"):
                continue
            key = f"{port.get('protocol', 'TCP')}/{port.get('hostIP', '')}/{port['hostPort']}"
            if key in seen:
                out.append(duplicate(f"{path}[{i}].ports[{j}].hostPort", key))
            seen.add(key)
    return out


def _validate_containers(containers: Any, init: Any, volumes: set[str], path: str) -> Causes:
    out: Causes = []
    ctrs = seq(containers)
    if not ctrs:
        out.append(required(f"{path}.containers"))
    seen: set[str] = set()
    for i, c in enumerate(ctrs):
        c, p = mapping(c), f"{path}.containers[{i}]"
        out += _validate_container_common(c, p, volumes)
        name = c.get("name") or ""
        if name in seen:
            out.append(duplicate(f"{p}.name", name))
        seen.add(name)
        if c.get("lifecycle") is not None:
            out += _validate_lifecycle(c["lifecycle"], f"{p}.lifecycle")
        out += _validate_probe(c.get("livenessProbe"), f"{p}.livenessProbe", success_one=True)
        out += _validate_probe(c.get("readinessProbe"), f"{p}.readinessProbe",
                               success_one=False)
        out += _validate_probe(c.get("startupProbe"), f"{p}.startupProbe", success_one=True)
        if c.get("restartPolicy") is not None:
            out.append(forbidden(f"{p}.restartPolicy", "may not be set for non-init containers"))
    out += _host_port_conflicts(ctrs, f"{path}.containers")
    for i, c in enumerate(seq(init)):
        c, p = mapping(c), f"{path}.initContainers[{i}]"
        out += _validate_container_common(c, p, volumes)
        name = c.get("name") or ""
        if name in seen:
            out.append(duplicate(f"{p}.name", name))
        elif name:
            seen.add(name)
        policy = c.get("restartPolicy")
        if policy is not None and policy != "Always":
            out.append(not_supported(f"{p}.restartPolicy", policy, ("Always",)))
        if policy == "Always":
            if c.get("lifecycle") is not None:
                out += _validate_lifecycle(c["lifecycle"], f"{p}.lifecycle")
            out += _validate_probe(c.get("livenessProbe"), f"{p}.livenessProbe",
                                   success_one=True)
            out += _validate_probe(c.get("readinessProbe"), f"{p}.readinessProbe",
                                   success_one=False)
            out += _validate_probe(c.get("startupProbe"), f"{p}.startupProbe",
                                   success_one=True)
        else:
            for f in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if c.get(f) is not None:
                    out.append(forbidden(f"{p}.{f}", "may not be set for init containers "
                                         "without restartPolicy=Always"))
        out += _host_port_conflicts([c], f"{path}.initContainers")
    return out


# ------------------------------------------------------------------ pod spec

def _validate_tolerations(tolerations: Any, path: str) -> Causes:
    out: Causes = []
    for i, t in enumerate(seq(tolerations)):
        t, p = mapping(t), f"{path}[{i}]"
        key, op, value = t.get("key") or "", t.get("operator") or "", t.get("value") or ""
        if key:
            out += each(f"{p}.key", key, names.is_qualified_name(key))
        if not key and op != "Exists":
            out.append(invalid(f"{p}.operator", op, "operator must be Exists when `key` is "
                               'empty, which means "match all values and all keys"'))
        if t.get("tolerationSeconds") is not None and t.get("effect") != "NoExecute":
            out.append(invalid(f"{p}.effect", t.get("effect") or "",
                               "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            problems = names.is_valid_label_value(str(value))
            if problems:
                out.append(invalid(f"{p}.operator", value, ";".join(problems)))
        elif op == "Exists":
            if value:
                out.append(invalid(f"{p}.operator", value,
                                   "value must be empty when `operator` is 'Exists'"))
        else:
            out.append(not_supported(f"{p}.operator", op, ("Equal", "Exists")))
        effect = t.get("effect")
        if effect and effect not in TAINT_EFFECTS:
            out.append(not_supported(f"{p}.effect", effect, TAINT_EFFECTS))
    return out


def validate_pod_spec(spec: Any, path: str = "spec") -> Causes:
    """A PodSpec at ``path`` (``spec`` for pods, ``spec.template.spec`` in templates)."""
    if not isinstance(spec, dict):
        return [required(f"{path}.containers")] if spec is None else \
            [invalid(path, spec, "must be an object")]
    volumes, out = _validate_volumes(spec.get("volumes"), f"{path}.volumes")
    out += _validate_containers(spec.get("containers"), spec.get("initContainers"),
                                volumes, path)
    policy = spec.get("restartPolicy")
    if policy and policy not in RESTART_POLICIES:
        out.append(not_supported(f"{path}.restartPolicy", policy, RESTART_POLICIES))
    dns = spec.get("dnsPolicy")
    if dns and dns not in DNS_POLICIES:
        out.append(not_supported(f"{path}.dnsPolicy", dns, DNS_POLICIES))
    out += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    for key in ("serviceAccountName", "nodeName", "priorityClassName"):
        if spec.get(key):
            out += each(f"{path}.{key}", spec[key], names.is_dns1123_subdomain(str(spec[key])))
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            out += each(f"{path}.{key}", spec[key], names.is_dns1123_label(str(spec[key])))
    ads = integer(spec, "activeDeadlineSeconds", f"{path}.activeDeadlineSeconds", out)
    if ads is not None and not 1 <= ads <= _MAX_INT32:
        out.append(invalid(f"{path}.activeDeadlineSeconds", ads,
                           names.inclusive_range_error(1, _MAX_INT32)))
    integer(spec, "terminationGracePeriodSeconds", f"{path}.terminationGracePeriodSeconds", out)
    out += _validate_tolerations(spec.get("tolerations"), f"{path}.tolerations")
    return out


def validate_pod_template(template: Any, path: str = "spec.template") -> Causes:
    """A PodTemplateSpec: its labels and annotations (at ``<path>.labels``, as
    Kubernetes reports them) and its pod spec."""
    tmpl = mapping(template)
    meta = mapping(tmpl.get("metadata"))
    out = validate_labels(meta.get("labels"), f"{path}.labels")
    out += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    out += validate_pod_spec(tmpl.get("spec"), f"{path}.spec")
    if seq(mapping(tmpl.get("spec")).get("ephemeralContainers")):
        out.append(forbidden(f"{path}.spec.ephemeralContainers",
                             "ephemeral containers not allowed in pod template"))
    return out


def validate_pod(obj: dict) -> Causes:
    """Pod-only checks on top of ``validate_pod_spec`` (images without blanks)."""
    spec = mapping(obj.get("spec"))
    out = validate_pod_spec(obj.get("spec"), "spec")
    for key in ("containers", "initContainers"):
        for i, c in enumerate(seq(spec.get(key))):
            image = mapping(c).get("image")
            if isinstance(image, str) and image != image.strip():
                out.append(invalid(f"spec.{key}[{i}].image", image,
                                   "must not have leading or trailing whitespace"))
    return out


# ------------------------------------------------------------------ updates

def _only_added_tolerations(new: list, old: list, path: str) -> Causes:
    for t in old:
        if not any({**t, "tolerationSeconds": n.get("tolerationSeconds")} == n
                   for n in map(mapping, new)):
            return [forbidden(path, "existing toleration can not be modified except its "
                              "tolerationSeconds")]
    return []


def validate_pod_update(obj: dict, old: dict) -> Causes:
    """What ``ValidatePodUpdate`` allows to change in a pod's spec."""
    spec, old_spec = mapping(obj.get("spec")), mapping(old.get("spec"))
    out: Causes = []
    for key in ("containers", "initContainers"):
        new_c, old_c = seq(spec.get(key)), seq(old_spec.get(key))
        if len(new_c) != len(old_c):
            return out + [forbidden(f"spec.{key}", "pod updates may not add or remove "
                                    "containers")]
        for i, c in enumerate(new_c):
            if not mapping(c).get("image"):
                out.append(required(f"spec.{key}[{i}].image"))
    new_ads, old_ads = spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds")
    if new_ads is not None:
        if not is_int(new_ads) or not 0 <= new_ads <= _MAX_INT32:
            return out + [invalid("spec.activeDeadlineSeconds", new_ads,
                                  names.inclusive_range_error(0, _MAX_INT32))]
        if is_int(old_ads) and old_ads < new_ads:
            return out + [invalid("spec.activeDeadlineSeconds", new_ads,
                                  "must be less than or equal to previous value")]
    elif old_ads is not None:
        out.append(invalid("spec.activeDeadlineSeconds", None,
                           "must not update from a positive integer to nil value"))
    out += _only_added_tolerations(seq(spec.get("tolerations")),
                                   [mapping(t) for t in seq(old_spec.get("tolerations"))],
                                   "spec.tolerations")
    if spec == old_spec:
        return out
    munged = dict(spec)
    for key in ("containers", "initContainers"):
        if key in spec:
            munged[key] = [dict(mapping(c), image=mapping(o).get("image"))
                           for c, o in zip(seq(spec[key]), seq(old_spec.get(key)))]
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        munged.pop(key, None)
        if key in old_spec:
            munged[key] = old_spec[key]
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if is_int(old_grace) and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    if munged != old_spec:
        out.append(forbidden("spec", "pod updates may not change fields other than "
                             + ",".join(UPDATABLE_POD_SPEC_FIELDS)))
    return out


def validate_pod_status(obj: dict, old: dict | None) -> Causes:
    out: Causes = []
    status = mapping(obj.get("status"))
    if old is not None and mapping(obj.get("spec")).get("nodeName") != \
            mapping(old.get("spec")).get("nodeName"):
        out.append(forbidden("status.nodeName", "may not be changed directly"))
    for i, cond in enumerate(seq(status.get("conditions"))):
        ctype = str(mapping(cond).get("type") or "")
        if ctype not in ("PodScheduled", "Ready", "Initialized"):
            out += each(f"metadata.conditions[{i}].Type", ctype, names.is_qualified_name(ctype))
    for i, ip in enumerate(seq(status.get("podIPs"))):
        addr = str(mapping(ip).get("ip") or "")
        out += each(f"status.podIPs[{i}]", addr, names.is_valid_ip(addr))
    return out

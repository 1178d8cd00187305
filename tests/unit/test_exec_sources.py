"""What an exec'd command sees of the pod's ConfigMaps, Secrets, downward API and volumes
(exec.py's Sources, container_env and volume_files; the runtime's and the node shell's
exec over them; no Ray)."""

from __future__ import annotations

import asyncio
import base64
import json

from rayk8s.actors.node import NodeShell
from rayk8s.node import exec as ex

T0 = 1_700_000_000.0


def _b64(text: str | bytes) -> str:
    return base64.b64encode(text if isinstance(text, bytes) else text.encode()).decode()


CONFIG = {"metadata": {"name": "app-config", "namespace": "shop"},
          "data": {"mode": "fast", "app.properties": "color=blue\nsize=3\n",
                   "bad key": "skipped", "1st": "kept: CFG_1st is a name"},
          "binaryData": {"blob.bin": _b64(b"\x00\x01")}}
SECRET = {"metadata": {"name": "db-creds", "namespace": "shop"},
          "data": {"username": _b64("admin"), "password": _b64("s3cr3t"),
                   "9lives": _b64("skipped: not a name")}}
SOURCES = ex.Sources.from_objects([CONFIG], [SECRET])

CONTAINER = {
    "name": "app", "image": "busybox",
    "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                  "limits": {"memory": "128Mi"}},
    "envFrom": [{"configMapRef": {"name": "app-config"}, "prefix": "CFG_"},
                {"secretRef": {"name": "db-creds"}},
                {"configMapRef": {"name": "absent", "optional": True}}],
    "env": [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config",
                                                           "key": "mode"}}},
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds",
                                                              "key": "password"}}},
        {"name": "GONE", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "nope",
                                                       "optional": True}}},
        {"name": "NO_CM", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "k"}}},
        {"name": "password", "value": "overridden"},
        {"name": "URL", "value": "db://$(username)@$(CFG_mode)"},
        {"name": "CPU_LIMIT", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
        {"name": "CPU_REQ_M", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu",
                                                                "divisor": "1m"}}},
        {"name": "CPU_REQ", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu"}}},
        {"name": "MEM_LIMIT_MI", "valueFrom": {"resourceFieldRef": {
            "resource": "limits.memory", "divisor": "1Mi"}}},
        {"name": "MEM_REQ", "valueFrom": {"resourceFieldRef": {"resource": "requests.memory"}}},
    ],
    "volumeMounts": [
        {"name": "config", "mountPath": "/etc/config"},
        {"name": "remapped", "mountPath": "/etc/remapped"},
        {"name": "props", "mountPath": "/app/app.properties", "subPath": "app.properties"},
        {"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
        {"name": "podinfo", "mountPath": "/etc/podinfo"},
        {"name": "scratch", "mountPath": "/scratch"},
        {"name": "all", "mountPath": "/projected"},
        {"name": "maybe", "mountPath": "/etc/maybe"},
    ]}

POD = {"metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1",
                    "labels": {"tier": "front", "app": "web"},
                    "annotations": {"note": 'say "hi"'}},
       "spec": {"nodeName": "node-1", "containers": [CONTAINER], "volumes": [
           {"name": "config", "configMap": {"name": "app-config"}},
           {"name": "remapped", "configMap": {"name": "app-config", "items": [
               {"key": "mode", "path": "sub/the-mode"}, {"key": "missing", "path": "x"}]}},
           {"name": "props", "configMap": {"name": "app-config"}},
           {"name": "creds", "secret": {"secretName": "db-creds"}},
           {"name": "podinfo", "downwardAPI": {"items": [
               {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
               {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}},
               {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
               {"path": "mem", "resourceFieldRef": {"containerName": "app",
                                                    "resource": "limits.memory",
                                                    "divisor": "1Mi"}}]}},
           {"name": "scratch", "emptyDir": {}},
           {"name": "all", "projected": {"sources": [
               {"configMap": {"name": "app-config", "items": [{"key": "mode",
                                                               "path": "mode"}]}},
               {"secret": {"name": "db-creds", "items": [{"key": "username",
                                                          "path": "user"}]}},
               {"downwardAPI": {"items": [{"path": "ns", "fieldRef": {
                   "fieldPath": "metadata.namespace"}}]}},
               {"serviceAccountToken": {"path": "token", "audience": "vault"}}]}},
           {"name": "maybe", "configMap": {"name": "absent", "optional": True}},
       ]},
       "status": {"podIP": "10.244.1.5", "hostIP": "127.0.1.1"}}


def context(pod=POD, container=CONTAINER, sources=SOURCES, allocatable=None) -> ex.Context:
    env = ex.container_env(container, pod, "web-1", sources=sources, allocatable=allocatable)
    base = ex.base_files("web-1", "10.244.1.5", "shop")
    files, dirs = ex.volume_files(pod, container, sources, T0, allocatable)
    base.update(files)
    return ex.Context(env, ex.Files(base, {}, dirs), T0, "web-1", "10.244.1.5", "sleep 3600")


def run(argv, ctx=None) -> str:
    result = ex.play(argv, ctx or context())
    assert result.exit_code == 0, result
    return result.stdout.decode()


# -- sources ---------------------------------------------------------------------------------

def test_sources_decode_and_references():
    assert SOURCES.config_maps["app-config"]["mode"] == "fast"
    assert SOURCES.config_maps["app-config"]["blob.bin"] == b"\x00\x01"
    assert SOURCES.secrets["db-creds"]["password"] == b"s3cr3t"
    assert ex.referenced_sources(POD) == ({"app-config", "absent"}, {"db-creds"})


# -- the environment -----------------------------------------------------------------------

def test_env_from_config_maps_secrets_and_env_from_with_prefix():
    env = dict(ex.container_env(CONTAINER, POD, "web-1", sources=SOURCES))
    assert env["MODE"] == "fast" and env["DB_PASSWORD"] == "s3cr3t"
    assert env["CFG_mode"] == "fast" and env["CFG_app.properties"] == "color=blue\nsize=3\n"
    assert env["username"] == "admin"
    assert env["password"] == "overridden"          # env overrides envFrom
    assert env["URL"] == "db://admin@fast"          # $(VAR) sees envFrom's variables
    assert "CFG_bad key" not in env and "GONE" not in env and "NO_CM" not in env
    assert env["CFG_1st"] == "kept: CFG_1st is a name" and "9lives" not in env
    # envFrom comes first, env after it: the kubelet's order
    names = list(env)
    assert names.index("CFG_mode") < names.index("MODE") < names.index("HOME")
    # without sources nothing of them
    bare = dict(ex.container_env(CONTAINER, POD, "web-1"))
    assert "MODE" not in bare and "username" not in bare


def test_env_resource_field_refs():
    env = dict(ex.container_env(CONTAINER, POD, "web-1", sources=SOURCES))
    assert env["CPU_REQ_M"] == "250" and env["CPU_REQ"] == "1"     # cores, rounded up
    assert env["MEM_LIMIT_MI"] == "128" and env["MEM_REQ"] == str(64 * 1024 ** 2)
    assert env["CPU_LIMIT"] == "1"          # no limit, no allocatable: the request
    env = dict(ex.container_env(CONTAINER, POD, "web-1", sources=SOURCES,
                                allocatable={"cpu": "4", "memory": "8Gi"}))
    assert env["CPU_LIMIT"] == "4"          # an unset limit is the node's allocatable
    assert run(["printenv", "CPU_REQ_M", "MODE"],
               context(allocatable={"cpu": "4"})) == "250\nfast\n"


# -- volumes ---------------------------------------------------------------------------------

def test_config_map_volume_files():
    assert run(["cat", "/etc/config/mode"]) == "fast"
    assert run(["cat", "/etc/config/app.properties"]) == "color=blue\nsize=3\n"
    assert run(["ls", "/etc/config"]).splitlines() == ["1st", "app.properties", "bad key",
                                                       "blob.bin", "mode"]
    assert ex.play(["cat", "/etc/config/blob.bin"], context()).stdout == b"\x00\x01"


def test_items_remap_keys_and_sub_path_mounts_one_file():
    assert run(["cat", "/etc/remapped/sub/the-mode"]) == "fast"
    assert run(["ls", "/etc/remapped"]) == "sub\n"           # the missing key left out
    assert run(["cat", "/app/app.properties"]) == "color=blue\nsize=3\n"
    assert run(["ls", "/app"]) == "app.properties\n"
    assert ex.play(["test", "-f", "/app/app.properties"], context()).exit_code == 0


def test_secret_volume_is_decoded():
    assert run(["cat", "/etc/creds/username"]) == "admin"
    assert run(["sh", "-c", "cat /etc/creds/password; echo; ls /etc/creds"]) == \
        "s3cr3t\n9lives\npassword\nusername\n"


def test_downward_api_volume():
    assert run(["cat", "/etc/podinfo/labels"]) == 'app="web"\ntier="front"'
    assert run(["cat", "/etc/podinfo/annotations"]) == 'note="say \\"hi\\""'
    assert run(["cat", "/etc/podinfo/name"]) == "web-1"
    assert run(["cat", "/etc/podinfo/mem"]) == "128"


def test_empty_dir_and_optional_missing_config_map_are_empty_directories():
    ctx = context()
    assert run(["ls", "/scratch"], ctx) == ""
    assert run(["ls", "/etc/maybe"], ctx) == ""
    assert ex.play(["test", "-d", "/scratch"], ctx).exit_code == 0
    assert "scratch" in run(["ls", "/"], ctx).split()
    assert run(["sh", "-c", "cd /scratch && echo hi > f && cat /scratch/f && ls"], ctx) == \
        "hi\nf\n"
    # a removed empty directory is gone
    assert run(["rm", "-r", "/etc/maybe"], ctx) == ""
    assert ex.play(["ls", "/etc/maybe"], ctx).exit_code == 1


def test_projected_volume_is_the_union_of_its_sources():
    assert run(["ls", "/projected"]).split() == ["mode", "ns", "token", "user"]
    assert run(["cat", "/projected/mode", "/projected/user", "/projected/ns"]) == \
        "fastadminshop"
    header, claims, _ = run(["cat", "/projected/token"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["aud"] == ["vault"] and claims["sub"] == "system:serviceaccount:shop:default"


def test_service_account_mount():
    sa = ex.SERVICE_ACCOUNT_DIR
    assert run(["cat", f"{sa}/namespace"]) == "shop"
    assert run(["ls", sa]).split() == ["ca.crt", "namespace", "token"]
    assert run(["cat", f"{sa}/ca.crt"]).startswith("-----BEGIN CERTIFICATE-----")
    assert run(["cat", f"{sa}/token"]).count(".") == 2
    off = {**POD, "spec": {**POD["spec"], "automountServiceAccountToken": False}}
    assert ex.play(["ls", sa], context(pod=off)).exit_code == 1


def test_config_map_updates_show_in_the_next_context():
    newer = ex.Sources.from_objects([{**CONFIG, "data": {"mode": "slow"}}], [SECRET])
    assert run(["cat", "/etc/config/mode"], context(sources=newer)) == "slow"
    assert ex.play(["cat", "/etc/config/app.properties"], context(sources=newer)).exit_code == 1


# -- the node shell ----------------------------------------------------------------------------

def test_node_shell_exec_reads_sources_when_the_command_runs(kube, clock):
    async def main():
        shell = NodeShell(kube.transport, clock, nodes=[{"name": "node-1"}],
                          config={"metrics_port": None, "watch_timeout": 2.0})
        await shell.start()
        try:
            kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
                         "data": {"greeting": "hello"}})
            kube.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec"},
                         "stringData": {"token": "abc"}})
            kube.create({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": "p", "labels": {"app": "p"}},
                         "spec": {"nodeName": "node-1", "containers": [{
                             "name": "c", "image": "busybox", "command": ["sleep", "3600"],
                             "env": [{"name": "GREETING", "valueFrom": {"configMapKeyRef": {
                                 "name": "cfg", "key": "greeting"}}}],
                             "envFrom": [{"secretRef": {"name": "sec"}, "prefix": "S_"}],
                             "volumeMounts": [{"name": "v", "mountPath": "/etc/config"},
                                              {"name": "gone", "mountPath": "/etc/gone"}]}],
                             "volumes": [{"name": "v", "configMap": {"name": "cfg"}},
                                         {"name": "gone", "secret": {"secretName": "nope",
                                                                     "optional": True}}]}})
            for _ in range(300):
                await asyncio.sleep(0.002)
                clock.advance(0.05)
                if kube.get("pods", "p")["status"].get("phase") == "Running":
                    break
            out, err, code = await shell.exec("default", "p", "c",
                                              ["printenv", "GREETING", "S_token"])
            assert (out, err, code) == (b"hello\nabc\n", b"", 0)
            assert (await shell.exec("default", "p", "c", ["cat", "/etc/config/greeting"]))[0] \
                == b"hello"
            assert (await shell.exec("default", "p", "c", ["ls", "/etc/gone"]))[:2] == (b"", b"")
            cm = kube.get("configmaps", "cfg")
            kube.update({**cm, "data": {"greeting": "bonjour"}})
            assert (await shell.exec("default", "p", "c", ["cat", "/etc/config/greeting"]))[0] \
                == b"bonjour"
            assert (await shell.exec("default", "p", "c", [
                "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"]))[0] == \
                b"default"
        finally:
            await shell.stop()
    asyncio.run(asyncio.wait_for(main(), 60))


def _in(files: ex.Files, script: str) -> str:
    result = ex.play(["sh", "-c", script], ex.Context([], files, T0, "p", "10.244.1.9"))
    assert result.exit_code == 0, result
    return result.stdout.decode()


def test_a_writable_volume_is_shared_by_the_containers_that_mount_it():
    volume: dict = {}             # one emptyDir, mounted at different paths (one by subPath)
    a = ex.Files({}, {}, volumes={"/data": (volume, "")})
    b = ex.Files({}, {}, volumes={"/cache": (volume, "")})
    c = ex.Files({}, {}, volumes={"/sub": (volume, "/d")})
    _in(a, "echo hi > /data/x; mkdir /data/d; echo deep > /data/d/y")
    assert _in(b, "cat /cache/x; ls /cache; cat /cache/d/y") == "hi\nd\nx\ndeep\n"
    assert _in(c, "ls /sub; cat /sub/y") == "y\ndeep\n"
    _in(c, "echo new > /sub/z; rm /sub/y")
    assert _in(a, "ls /data/d") == "z\n"
    _in(b, "rm -r /cache/d")
    assert _in(a, "ls /data") == "x\n" and _in(a, "test -d /data && echo yes") == "yes\n"
    # Outside the mount each container keeps its own files.
    _in(a, "echo mine > /tmp/own")
    assert ex.play(["cat", "/tmp/own"], ex.Context([], b, T0)).exit_code == 1

"""``kubectl exec``'s player: commands in a played container, the runtime's exec, and
the node shell's exec and log reads (no Ray)."""

from __future__ import annotations

import asyncio
import math

import pytest

from rayk8s.actors.node import NodeShell
from rayk8s.clock import FakeClock
from rayk8s.node import exec as ex
from rayk8s.node.runtime import ContainerNotRunning, Runtime

T0 = 1_700_000_000.0
POD = {"metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
                    "labels": {"app": "web"}, "annotations": {"team": "a"}},
       "spec": {"nodeName": "node-2"},
       "status": {"podIP": "10.244.2.7", "hostIP": "127.0.1.2"}}


def context(env=None, overlay=None) -> ex.Context:
    env = env if env is not None else ex.container_env({}, POD, "web-1")
    return ex.Context(env, ex.Files(ex.base_files("web-1", "10.244.2.7", "shop"), overlay),
                      T0, "web-1", "10.244.2.7", "/hello-world")


def play(argv, stdin=None, ctx=None):
    r = ex.play(argv, ctx or context(), stdin)
    return r.stdout.decode(), r.stderr.decode(), r.exit_code


# -- the environment -----------------------------------------------------------------------

def test_container_env_values_field_refs_and_references():
    container = {"env": [
        {"name": "GREETING", "value": "hello"},
        {"name": "MESSAGE", "value": "$(GREETING) from $(POD_NAME), $$(GREETING) $(NOPE)"},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        {"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
    ]}
    env = dict(ex.container_env(container, POD, "web-1"))
    assert list(env)[:2] == ["PATH", "HOSTNAME"] and list(env)[-1] == "HOME"
    assert env["HOSTNAME"] == "web-1" and env["HOME"] == "/root"
    # $(POD_NAME) is defined later: left as written, as the kubelet does
    assert env["MESSAGE"] == "hello from $(POD_NAME), $(GREETING) $(NOPE)"
    assert (env["POD_NAME"], env["NS"], env["IP"], env["NODE"], env["APP"]) == \
        ("web-1", "shop", "10.244.2.7", "node-2", "web")
    assert "SECRET" not in env


def test_service_env_as_the_kubelet_writes_it():
    services = [
        {"metadata": {"name": "kubernetes", "namespace": "default"},
         "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443,
                                                       "protocol": "TCP"}]}},
        {"metadata": {"name": "hello-world", "namespace": "shop"},
         "spec": {"clusterIP": "10.96.3.4", "ports": [{"port": 8090}]}},
        {"metadata": {"name": "headless", "namespace": "shop"},
         "spec": {"clusterIP": "None", "ports": [{"port": 80}]}},
        {"metadata": {"name": "elsewhere", "namespace": "other"},
         "spec": {"clusterIP": "10.96.9.9", "ports": [{"port": 80}]}},
    ]
    env = dict(ex.service_env(services, "shop"))
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
    assert env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443"
    assert env["KUBERNETES_PORT"] == "tcp://10.96.0.1:443"
    assert env["KUBERNETES_PORT_443_TCP_ADDR"] == "10.96.0.1"
    assert env["HELLO_WORLD_SERVICE_HOST"] == "10.96.3.4"
    assert env["HELLO_WORLD_PORT_8090_TCP"] == "tcp://10.96.3.4:8090"
    assert not any(k.startswith(("HEADLESS", "ELSEWHERE")) for k in env)
    links_off = dict(ex.service_env(services, "shop", enable_service_links=False))
    assert "KUBERNETES_SERVICE_HOST" in links_off and "HELLO_WORLD_SERVICE_HOST" not in links_off


# -- commands ------------------------------------------------------------------------------

@pytest.mark.parametrize("argv,out,code", [
    (["printenv", "HOSTNAME"], "web-1\n", 0),
    (["printenv", "HOSTNAME", "NOPE"], "web-1\n", 1),
    (["hostname"], "web-1\n", 0),
    (["hostname", "-i"], "10.244.2.7\n", 0),
    (["echo", "hello", "world"], "hello world\n", 0),
    (["echo", "-n", "x"], "x", 0),
    (["cat", "/etc/hostname"], "web-1\n", 0),
    (["true"], "", 0),
    (["false"], "", 1),
    (["whoami"], "root\n", 0),
    (["pwd"], "/\n", 0),
    (["date"], "Tue Nov 14 22:13:20 UTC 2023\n", 0),
    (["date", "+%s"], f"{int(T0)}\n", 0),
    (["ls", "/etc"], "hostname\nhosts\npasswd\nresolv.conf\n", 0),
    (["sh", "-c", "echo $HOSTNAME && false || echo fallback"], "web-1\nfallback\n", 0),
    (["sh", "-c", "echo a; exit 3; echo b"], "a\n", 3),
    (["sh", "-c", "echo $(hostname)-x \"q $HOME\" '$HOME'"], "web-1-x q /root $HOME\n", 0),
    (["sh", "-c", "printenv | grep -c ^HOSTNAME="], "1\n", 0),
    (["sh", "-c", "A=5 printenv A; export B=2; echo $B ${NOPE:-dflt} $?"], "5\n2 dflt 0\n", 0),
    (["/bin/sh", "-c", "cd /etc && pwd && cat hostname"], "/etc\nweb-1\n", 0),
    (["bash", "-c", "echo err >&2; echo out 2>&1"], "out\n", 0),
])
def test_commands(argv, out, code):
    got_out, _, got_code = play(argv)
    assert (got_out, got_code) == (out, code)


def test_hosts_file_names_the_pod():
    out, _, _ = play(["cat", "/etc/hosts"])
    assert out.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert out.endswith("10.244.2.7\tweb-1\n")
    resolv, _, _ = play(["cat", "/etc/resolv.conf"])
    assert "search shop.svc.cluster.local svc.cluster.local cluster.local" in resolv


def test_env_prints_the_container_environment():
    out, _, code = play(["env"])
    assert code == 0 and out.splitlines()[:2] == [f"PATH={ex.PATH}", "HOSTNAME=web-1"]
    assert out.splitlines()[-1] == "HOME=/root"


def test_unknown_commands_are_not_found():
    out, err, code = play(["nosuchcmd", "--flag"])
    assert (out, code) == ("", 127)
    assert err == ('OCI runtime exec failed: exec failed: unable to start container process: '
                   'exec: "nosuchcmd": executable file not found in $PATH: unknown\n')
    assert play(["sh", "-c", "nosuchcmd"]) == ("", "sh: nosuchcmd: not found\n", 127)
    assert play(["cd", "/"])[2] == 127       # a shell builtin is no binary
    _, err, code = play(["sh", "-c", "if true; then echo; fi"])
    assert code == 2 and "control structures" in err
    assert play(["sh", "-c", "echo 'open"])[1:] == ("sh: unterminated quoted string\n", 2)


def test_errors_go_to_stderr_and_redirections_move_them():
    assert play(["cat", "/nope"]) == ("", "cat: /nope: No such file or directory\n", 1)
    assert play(["sh", "-c", "ls /nope 2>&1"]) == \
        ("ls: /nope: No such file or directory\n", "", 1)
    assert play(["sh", "-c", "cat /nope 2>/dev/null; echo $?"]) == ("1\n", "", 0)
    assert play(["sh", "-c", "echo oops >&2"]) == ("", "oops\n", 0)


def test_files_written_by_one_exec_are_seen_by_the_next():
    overlay: dict = {}
    ctx = context(overlay=overlay)
    assert play(["sh", "-c", "echo hi > /tmp/x; echo more >> /tmp/x; mkdir /data"], ctx=ctx) \
        == ("", "", 0)
    assert play(["cat", "/tmp/x"], ctx=context(overlay=overlay)) == ("hi\nmore\n", "", 0)
    assert play(["ls", "/"], ctx=ctx)[0].split() == sorted(
        ["bin", "data", "dev", "etc", "home", "lib", "proc", "root", "run", "sbin", "sys",
         "tmp", "usr", "var"])
    assert play(["rm", "/tmp/x"], ctx=ctx)[2] == 0
    assert play(["sh", "-c", "test -f /tmp/x || echo gone"], ctx=ctx)[0] == "gone\n"
    assert play(["rm", "/tmp/x"], ctx=ctx) == \
        ("", "rm: can't remove '/tmp/x': No such file or directory\n", 1)


def test_stdin_feeds_cat_and_a_shell_reads_its_script_from_it():
    assert play(["cat"], stdin=b"piped\n") == ("piped\n", "", 0)
    assert play(["sh"], stdin=b"echo one\nhostname\n") == ("one\nweb-1\n", "", 0)
    assert play(["grep", "b"], stdin=b"a\nb\nbb\n") == ("b\nbb\n", "", 0)
    assert play(["sh", "-c", "cat | wc -l"], stdin=b"1\n2\n3\n") == ("3\n", "", 0)


def test_sleep_takes_cluster_time():
    r = ex.play(["sh", "-c", "sleep 1; sleep 2m; echo done"], context())
    assert r.seconds == 121 and r.stdout == b"done\n"
    assert ex.play(["sleep", "infinity"], context()).seconds == math.inf
    assert ex.play(["sleep", "x"], context()).exit_code == 1


# -- the runtime ---------------------------------------------------------------------------

def _pod(name="web", image="hello-world:v1.0", **container):
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "labels": {"app": name}},
            "spec": {"nodeName": "node-1",
                     "containers": [{"name": "c", "image": image, **container}]}}


def test_runtime_exec_in_a_running_container():
    clock = FakeClock(T0)
    rt = Runtime("127.0.1.1", "10.244.1.0/24", clock=clock, start_seconds=0.5)
    p = _pod(env=[{"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                  {"name": "HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}}])
    ip = rt.run_sandbox(p, T0)
    rt.start_container(p, p["spec"]["containers"][0], False, 0, T0)
    with pytest.raises(ContainerNotRunning, match="not created or running"):
        rt.exec("default/web", "c", ["true"])           # still starting
    clock.advance(1)
    out, err, code = rt.exec("default/web", "c", ["printenv", "HOSTNAME", "IP", "HOST"])
    assert (out, err, code) == (f"web\n{ip}\n127.0.1.1\n".encode(), b"", 0)
    assert rt.exec("default/web", None, ["hostname"])[0] == b"web\n"
    with pytest.raises(ContainerNotRunning, match='container not found \\("other"\\)'):
        rt.exec("default/web", "other", ["true"])
    with pytest.raises(LookupError, match="not found on this node"):
        rt.exec("default/nope", "c", ["true"])
    # what an exec removes, an exec probe no longer finds
    rt.exec("default/web", "c", ["touch", "/tmp/healthy"])
    probe = {"exec": {"command": ["cat", "/tmp/healthy"]}}
    assert rt.probe("uid-web", "c", probe, clock.now())[0]
    rt.exec("default/web", "c", ["rm", "/tmp/healthy"])
    assert not rt.probe("uid-web", "c", probe, clock.now())[0]
    services = [{"metadata": {"name": "kubernetes", "namespace": "default"},
                 "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 443}]}}]
    out, _, _ = rt.exec("default/web", "c", ["printenv", "KUBERNETES_SERVICE_HOST"],
                        services=services)
    assert out == b"10.96.0.1\n"


def test_runtime_exec_sees_the_files_a_task_created():
    clock = FakeClock(T0)
    rt = Runtime("127.0.1.1", "10.244.1.0/24", clock=clock, start_seconds=0.0)
    p = _pod(image="busybox", command=["sh", "-c", "touch /tmp/healthy; sleep 30; "
                                                   "rm /tmp/healthy; sleep 600"])
    rt.run_sandbox(p, T0)
    rt.start_container(p, p["spec"]["containers"][0], False, 0, T0)
    clock.advance(1)
    assert rt.exec("default/web", "c", ["ls", "/tmp"])[0] == b"healthy\n"
    assert rt.exec("default/web", "c", ["ps"])[0].splitlines()[1].endswith(
        b"sh -c touch /tmp/healthy; sleep 30; rm /tmp/healthy; sleep 600")
    clock.advance(40)
    assert rt.exec("default/web", "c", ["ls", "/tmp"])[0] == b""


# -- the node shell ------------------------------------------------------------------------

def test_node_shell_exec_and_log_reads(kube, clock):
    async def main():
        shell = NodeShell(kube.transport, clock, nodes=[{"name": "node-1"}],
                          config={"metrics_port": None, "watch_timeout": 2.0})
        await shell.start()
        try:
            kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                         "spec": {"nodeName": "node-1", "containers": [
                             {"name": "c", "image": "busybox", "command": [
                                 "sh", "-c", "echo one; echo two; sleep 10; echo three; "
                                             "sleep 5"]}]}})
            for _ in range(300):
                await asyncio.sleep(0.002)
                clock.advance(0.05)
                if kube.get("pods", "p")["status"].get("phase") == "Running":
                    break
            got = await shell.read_logs("default", "p", "c")
            assert got["text"] == "one\ntwo\n" and got["running"]
            tail = await shell.read_logs("default", "p", "c", tail_lines=1, timestamps=True)
            assert tail["text"].endswith("Z two\n")
            more = await shell.read_logs("default", "p", "c", cursor=got["cursor"])
            assert more["text"] == "" and more["running"]
            clock.advance(10)
            more = await shell.read_logs("default", "p", "c", cursor=got["cursor"])
            assert more["text"] == "three\n"
            assert (await shell.read_logs("default", "p", "c", cursor=more["cursor"],
                                          wait=0.05))["text"] == ""
            # exec: printenv, then a sleep cut short by the container's exit (137)
            assert await shell.exec("default", "p", "c", ["printenv", "HOSTNAME"]) == \
                (b"p\n", b"", 0)
            sleeper = asyncio.ensure_future(shell.exec("default", "p", None, ["sleep", "60"]))
            for _ in range(20):
                await asyncio.sleep(0.002)
                clock.advance(1)
            assert await asyncio.wait_for(sleeper, 5) == (b"", b"", 137)
            done = await shell.read_logs("default", "p", "c", cursor=more["cursor"])
            assert not done["running"]
            with pytest.raises(LookupError):
                await shell.read_logs("default", "nope", "c")
        finally:
            await shell.stop()
    asyncio.run(asyncio.wait_for(main(), 60))

"""The walkthrough with the real kubectl against a live 3-node cluster.

This module overrides conftest's control-plane-only ``cluster`` with a cluster
of three emulated nodes (scheduler, controllers, kubelets; time runs 5x), so
conftest's ``kubeconfig`` and ``kubectl`` fixtures point at it.  Tests run in
file order and build on one another, as the walkthrough does: a deployment is
created, proxied to, exposed, labelled, scaled, re-imaged, rolled back, and
its pods' logs read and commands exec'd in them.

Differences from the 2017 transcript, all kubectl's own: ``kubectl run`` no
longer creates deployments (``create deployment`` does); the container is
named after the image (``set image ... hello-world=...``); pods are labelled
``app=helloworld``, so the transcript's ``label pod ... app=v1`` needs
``--overwrite`` (tested as refused; ``version=v1`` is used instead); the pod
proxy URL is ``/api/v1/namespaces/default/pods/<pod>/proxy/``.  NodePort
traffic needs kube-proxy (the Services work): the apiserver's service proxy
is used to reach the Service instead.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

TIME_SCALE = 5.0


@pytest.fixture(scope="module")
def cluster():
    """A 3-node cluster on a fresh local Ray (never another Ray found in /tmp/ray)."""
    import rayk8s
    from rayk8s.actors import launcher

    launcher.loopback_only()
    c = rayk8s.Cluster(nodes=3, name="e2ewalk", time_scale=TIME_SCALE,
                       ray_init=dict(num_cpus=2))
    c.start()
    try:
        assert c.url and c.url.startswith("http://127.0.0.1:"), c.url
        yield c
    finally:
        c.stop()


def rows(output: str) -> list[list[str]]:
    return [line.split() for line in output.strip().splitlines()]


def helloworld_pods(cluster) -> list[dict]:
    return [p for p in cluster.client.list("pods", label_selector="app=helloworld")
            if not p["metadata"].get("deletionTimestamp")]


def running(pod: dict) -> bool:
    status = pod.get("status") or {}
    return status.get("phase") == "Running" and any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or [])


def wait_pods(cluster, count: int, image: str | None = None, timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        pods = helloworld_pods(cluster)
        if len(pods) == count and all(running(p) for p in pods) and (
                image is None or all(p["spec"]["containers"][0]["image"] == image
                                     for p in pods)):
            return sorted(pods, key=lambda p: p["metadata"]["name"])
        if time.monotonic() > deadline:
            pytest.fail(f"wanted {count} running pods ({image}), have "
                        f"{[(p['metadata']['name'], p['status'].get('phase')) for p in pods]}")
        time.sleep(0.2)


def first_pod(cluster) -> str:
    return wait_pods(cluster, len(helloworld_pods(cluster)) or 1)[0]["metadata"]["name"]


class Lines:
    """Collects a background kubectl's stdout lines."""

    def __init__(self, proc: subprocess.Popen):
        self.proc, self.lines = proc, []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, predicate, what: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while not predicate(self.lines):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                pytest.fail(f"no {what} in {self.lines!r} "
                            f"(stderr: {self.proc.stderr.read() if self.proc.poll() else ''})")
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def kubectl_proxy(kubectl):
    """``kubectl proxy`` on a free loopback port; stopped (by its PID) after the module."""
    proc = subprocess.Popen(kubectl.argv("proxy", "--port=0"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=kubectl.env)
    try:
        line = proc.stdout.readline()
        match = re.match(r"Starting to serve on 127\.0\.0\.1:(\d+)", line)
        assert match, line
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read().decode()


# -- nodes and the first deployment ----------------------------------------------------

def test_get_nodes(kubectl):
    out = rows(kubectl("get", "nodes"))
    assert out[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [(r[0], r[1], r[4]) for r in out[1:]] == [
        ("node-1", "Ready", "v1.32.0"), ("node-2", "Ready", "v1.32.0"),
        ("node-3", "Ready", "v1.32.0")]


def test_create_deployment_runs_a_pod(kubectl, cluster):
    out = kubectl("create", "deployment", "helloworld", "--image=hello-world:v1.0",
                  "--port=8090")
    assert out.strip() == "deployment.apps/helloworld created"
    wait_pods(cluster, 1)
    out = rows(kubectl("get", "deployment"))
    assert out[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert out[1][:4] == ["helloworld", "1/1", "1", "1"]


def test_get_pod_wide_shows_ip_and_node(kubectl, cluster):
    pod = wait_pods(cluster, 1)[0]
    out = rows(kubectl("get", "pod", "-o", "wide"))
    assert out[0][:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    name, ready, status, _, _, ip, node = out[1][:7]
    assert (name, ready, status) == (pod["metadata"]["name"], "1/1", "Running")
    assert ip == pod["status"]["podIP"] and re.fullmatch(r"10\.244\.[123]\.\d+", ip)
    assert node == pod["spec"]["nodeName"] and node in ("node-1", "node-2", "node-3")


# -- reaching the pod -------------------------------------------------------------------

def test_pod_proxy_through_kubectl_proxy(kubectl_proxy, cluster):
    pod = first_pod(cluster)
    body = get(f"{kubectl_proxy}/api/v1/namespaces/default/pods/{pod}/proxy/")
    assert body == f"Hello world !\nhostname:{pod}\n"


def test_pod_proxy_with_get_raw(kubectl, cluster):
    pod = first_pod(cluster)
    out = kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{pod}:8090/proxy/hello")
    assert out.splitlines() == ["Hello world !", f"hostname:{pod}"]


def test_logs_show_the_apps_log_lines(kubectl, cluster):
    pod = first_pod(cluster)
    out = kubectl("logs", pod)
    assert re.search(r'"GET / HTTP/1\.1" 200 \d+ "-" "Python-urllib', out), out
    assert '"GET /hello HTTP/1.1" 200' in out
    stamped = kubectl("logs", pod, "--timestamps", "--tail=1")
    assert len(stamped.splitlines()) == 1
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ", stamped)


def test_logs_follow_streams_new_lines(kubectl, cluster):
    pod = first_pod(cluster)
    follow = Lines(subprocess.Popen(kubectl.argv("logs", "-f", pod), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=kubectl.env))
    try:
        follow.wait_for(lambda lines: any("GET /hello" in ln for ln in lines), "old lines")
        kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{pod}/proxy/followed")
        follow.wait_for(lambda lines: any("GET /followed" in ln for ln in lines),
                        "the new request's line")
        assert follow.proc.poll() is None      # still following
    finally:
        follow.stop()


def test_exec_printenv(kubectl, cluster):
    pod = first_pod(cluster)
    assert kubectl("exec", pod, "--", "printenv", "HOSTNAME") == f"{pod}\n"
    env = dict(line.split("=", 1) for line in kubectl("exec", pod, "--", "printenv")
               .splitlines())
    assert env["HOSTNAME"] == pod and env["HOME"] == "/root" and "/bin" in env["PATH"]
    hosts = kubectl("exec", pod, "--", "cat", "/etc/hosts")
    ip = cluster.client.get("pods", pod)["status"]["podIP"]
    assert hosts.endswith(f"{ip}\t{pod}\n")


def test_exec_unknown_command_exits_127(kubectl, cluster):
    pod = first_pod(cluster)
    proc = kubectl.run("exec", pod, "--", "nosuchcmd", check=False)
    assert proc.returncode != 0
    assert "command terminated with exit code 127" in proc.stderr
    assert 'exec: "nosuchcmd": executable file not found in $PATH' in proc.stderr
    proc = kubectl.run("exec", pod, "--", "sh", "-c", "echo out; echo err >&2; exit 3",
                       check=False)
    assert (proc.returncode, proc.stdout) == (3, "out\n")
    assert proc.stderr.startswith("err\n")


def test_exec_with_piped_stdin(kubectl, cluster):
    pod = first_pod(cluster)
    assert kubectl("exec", "-i", pod, "--", "cat", input="piped through\n") == \
        "piped through\n"
    assert kubectl("exec", "-i", pod, "--", "sh", input="echo one\nhostname\n") == \
        f"one\n{pod}\n"


def test_exec_interactive_shell_on_a_terminal(kubectl, cluster):
    pod = first_pod(cluster)
    pid, fd = pty.fork()
    if pid == 0:  # the child: kubectl on a terminal
        os.execvpe(kubectl.binary, kubectl.argv("exec", "-it", pod, "--", "sh"), kubectl.env)
    out = b""

    def read_until(text: bytes, timeout: float = 20.0):
        nonlocal out
        deadline = time.monotonic() + timeout
        while text not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return
        assert text in out, out
    try:
        read_until(b"/ # ")
        os.write(fd, b"hostname\r")
        read_until(f"{pod}\r\n/ # ".encode())
        os.write(fd, b"exit\r")
        _, status = os.waitpid(pid, 0)
        pid = 0
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        if pid:
            os.kill(pid, 15)
            os.waitpid(pid, 0)
        os.close(fd)


def test_attach_shows_new_output(kubectl, cluster):
    pod = first_pod(cluster)
    attach = Lines(subprocess.Popen(kubectl.argv("attach", pod), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, env=kubectl.env))
    try:
        time.sleep(1.0)     # attached: only what is written from now on
        kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{pod}/proxy/attached")
        attach.wait_for(lambda lines: any("GET /attached" in ln for ln in lines),
                        "the request's log line")
        assert not any("GET /hello" in ln for ln in attach.lines)
    finally:
        attach.stop()


# -- the service -------------------------------------------------------------------------

def test_expose_and_get_service(kubectl):
    out = kubectl("expose", "deployment/helloworld", "--type=NodePort", "--port", "8090")
    assert out.strip() == "service/helloworld exposed"
    table = {r[0]: r for r in rows(kubectl("get", "service"))[1:]}
    assert table["helloworld"][1] == "NodePort"
    assert re.fullmatch(r"8090:3\d{4}/TCP", table["helloworld"][4])


def test_describe_service(kubectl):
    out = kubectl("describe", "service/helloworld")
    assert re.search(r"^Name:\s+helloworld$", out, re.M)
    assert re.search(r"^Selector:\s+app=helloworld$", out, re.M)
    assert re.search(r"^Type:\s+NodePort$", out, re.M)
    assert re.search(r"^NodePort:\s+<unset>\s+3\d{4}/TCP$", out, re.M)
    deadline = time.monotonic() + 30    # the endpoint controllers catch up
    while not re.search(r"^Endpoints:\s+10\.24\d\.\d+\.\d+:8090", out, re.M):
        assert time.monotonic() < deadline, out
        time.sleep(0.5)
        out = kubectl("describe", "service/helloworld")


def test_service_proxy_reaches_a_pod(kubectl, cluster):
    out = kubectl("get", "--raw", "/api/v1/namespaces/default/services/helloworld/proxy/")
    names = {p["metadata"]["name"] for p in helloworld_pods(cluster)}
    assert out.splitlines()[0] == "Hello world !"
    assert out.splitlines()[1].removeprefix("hostname:") in names


def test_describe_pod_shows_events(kubectl, cluster):
    pod = first_pod(cluster)
    out = kubectl("describe", "pod", pod)
    assert re.search(rf"^Name:\s+{pod}$", out, re.M)
    assert re.search(r"^Status:\s+Running$", out, re.M)
    assert re.search(r"^Node:\s+node-\d/127\.0\.1\.\d$", out, re.M)
    events = out[out.index("Events:"):]
    for reason in ("Scheduled", "Pulling", "Pulled", "Created", "Started"):
        assert re.search(rf"^\s+Normal\s+{reason}\s", events, re.M), (reason, events)
    assert "default-scheduler" in events and "kubelet" in events


# -- labels --------------------------------------------------------------------------------

def test_label_pod_and_select_by_it(kubectl, cluster):
    pod = first_pod(cluster)
    proc = kubectl.run("label", "pod", pod, "app=v1", check=False)
    assert proc.returncode == 1
    assert "'app' already has a value (helloworld), and --overwrite is false" in proc.stderr
    assert kubectl("label", "pod", pod, "version=v1").strip() == f"pod/{pod} labeled"
    out = rows(kubectl("get", "pod", "-l", "version=v1"))
    assert [r[0] for r in out[1:]] == [pod]
    assert cluster.client.get("pods", pod)["metadata"]["labels"]["version"] == "v1"


# -- scaling ------------------------------------------------------------------------------

def test_scale_up_seen_by_get_pods_watch(kubectl, cluster):
    before = {p["metadata"]["name"] for p in helloworld_pods(cluster)}
    watch = Lines(subprocess.Popen(kubectl.argv("get", "pods", "--watch"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=kubectl.env))
    try:
        watch.wait_for(lambda lines: any(ln.split()[0] in before for ln in lines[1:]),
                       "listed pod")
        time.sleep(0.5)     # the list printed; kubectl watches from its resourceVersion
        assert kubectl("scale", "deployment/helloworld", "--replicas=4").strip() == \
            "deployment.apps/helloworld scaled"

        def new_pods(lines):
            return {ln.split()[0] for ln in lines[1:]} - before
        watch.wait_for(lambda lines: len(new_pods(lines)) >= 3, "3 new pods")
        watch.wait_for(lambda lines: sum(1 for ln in lines if ln.split()[0] in new_pods(lines)
                                         and " Running " in ln) >= 3, "3 new pods running")
    finally:
        watch.stop()
    pods = wait_pods(cluster, 4)
    assert {p["metadata"]["name"] for p in pods} >= before


def test_get_pod_wide_after_scaling(kubectl, cluster):
    pods = {p["metadata"]["name"]: p for p in wait_pods(cluster, 4)}
    out = rows(kubectl("get", "pod", "-o", "wide"))[1:]
    assert {r[0] for r in out} == set(pods)
    for r in out:
        assert r[1:3] == ["1/1", "Running"]
        assert (r[5], r[6]) == (pods[r[0]]["status"]["podIP"], pods[r[0]]["spec"]["nodeName"])
    assert len({r[6] for r in out}) >= 2       # spread over the nodes


def test_service_env_only_in_containers_started_after_the_service(kubectl, cluster):
    """The walkthrough's caveat: a Service's variables are injected when a container
    starts, so the pod that ran before `expose` lacks them and the scaled-up ones have them."""
    created = cluster.client.get("services", "helloworld")["metadata"]["creationTimestamp"]
    pods = wait_pods(cluster, 4)
    before = [p for p in pods if p["metadata"]["creationTimestamp"] < created]
    after = [p for p in pods if p["metadata"]["creationTimestamp"] > created]
    assert before and after
    for pod in before:
        env = kubectl("exec", pod["metadata"]["name"], "--", "printenv")
        assert "HELLOWORLD_SERVICE_HOST=" not in env and "KUBERNETES_SERVICE_HOST=" in env
    cluster_ip = cluster.client.get("services", "helloworld")["spec"]["clusterIP"]
    for pod in after:
        env = kubectl("exec", pod["metadata"]["name"], "--", "printenv")
        assert f"HELLOWORLD_SERVICE_HOST={cluster_ip}" in env
        assert "HELLOWORLD_SERVICE_PORT=8090" in env


def test_service_proxy_balances_over_the_pods(kubectl_proxy, cluster):
    names = {p["metadata"]["name"] for p in wait_pods(cluster, 4)}
    seen = set()
    for _ in range(30):
        body = get(f"{kubectl_proxy}/api/v1/namespaces/default/services/helloworld/proxy/")
        seen.add(body.splitlines()[1].removeprefix("hostname:"))
        if len(seen) >= 3:
            break
    assert seen <= names and len(seen) >= 2


def test_exec_curl_and_nslookup_reach_the_service_from_a_pod(kubectl, cluster):
    """Inside a pod: the Service by DNS name and by ClusterIP, as a pod on a real cluster."""
    pods = wait_pods(cluster, 4)
    names = {p["metadata"]["name"] for p in pods}
    client = pods[0]["metadata"]["name"]
    cluster_ip = cluster.client.get("services", "helloworld")["spec"]["clusterIP"]
    out = kubectl("exec", client, "--", "nslookup", "helloworld")
    assert "helloworld.default.svc.cluster.local" in out and cluster_ip in out
    seen = set()
    for url in ("http://helloworld:8090/", f"http://{cluster_ip}:8090/",
                "http://helloworld.default.svc.cluster.local:8090/", "http://helloworld:8090"):
        body = kubectl("exec", client, "--", "wget", "-qO-", url)
        assert body.startswith("Hello world !"), body
        seen.add(body.splitlines()[1].removeprefix("hostname:"))
    assert seen == names        # round robin: each of the 4 pods once
    proc = kubectl.run("exec", client, "--", "curl", "-sS", "http://nosuch:8090/", check=False)
    assert proc.returncode == 6 and "Could not resolve host: nosuch" in proc.stderr


# -- rolling update, history, undo -----------------------------------------------------------

def test_nodeport_round_robin_over_the_pods(cluster):
    """curl <node address>:<nodePort>, as the walkthrough does: kube-proxy rotates."""
    pods = {p["metadata"]["name"] for p in wait_pods(cluster, 4)}
    port = cluster.client.get("services", "helloworld")["spec"]["ports"][0]["nodePort"]

    def hostnames(address: str, n: int) -> list[str]:
        out = []
        for _ in range(n):
            with urllib.request.urlopen(f"http://{address}:{port}/", timeout=30) as resp:
                lines = resp.read().decode().splitlines()
            assert lines[0] == "Hello world !"
            out.append(lines[1].removeprefix("hostname:"))
        return out
    deadline = time.monotonic() + 30    # endpoints of freshly scaled pods may lag
    while set(hostnames("127.0.1.1", 4)) != pods:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    for address in ("127.0.1.1", "127.0.1.2"):
        seen = hostnames(address, 8)
        assert sorted(seen) == sorted(list(pods) * 2), seen


def test_set_image_and_rollout_status(kubectl, cluster):
    out = kubectl("set", "image", "deployments/helloworld", "hello-world=hello-world:v2.0")
    assert out.strip() == "deployment.apps/helloworld image updated"
    out = kubectl("rollout", "status", "deployment/helloworld", timeout=120)
    assert out.strip().splitlines()[-1] == 'deployment "helloworld" successfully rolled out'
    pods = wait_pods(cluster, 4, image="hello-world:v2.0")
    body = kubectl("get", "--raw",
                   f"/api/v1/namespaces/default/pods/{pods[0]['metadata']['name']}/proxy/")
    assert body.splitlines()[2] == "version:v2.0"


def test_rollout_history(kubectl):
    out = rows(kubectl("rollout", "history", "deployment/helloworld"))
    assert out[0] == ["deployment.apps/helloworld"]
    assert out[1] == ["REVISION", "CHANGE-CAUSE"]
    assert out[2:] == [["1", "<none>"], ["2", "<none>"]]


def test_rollout_undo(kubectl, cluster):
    assert kubectl("rollout", "undo", "deployment/helloworld").strip() == \
        "deployment.apps/helloworld rolled back"
    out = kubectl("rollout", "status", "deployment/helloworld", timeout=120)
    assert out.strip().splitlines()[-1] == 'deployment "helloworld" successfully rolled out'
    pods = wait_pods(cluster, 4, image="hello-world:v1.0")
    body = kubectl("get", "--raw",
                   f"/api/v1/namespaces/default/pods/{pods[0]['metadata']['name']}/proxy/")
    assert body == f"Hello world !\nhostname:{pods[0]['metadata']['name']}\n"
    history = rows(kubectl("rollout", "history", "deployment/helloworld"))
    assert [r[0] for r in history[2:]] == ["2", "3"]   # revision 1 came back as 3


def test_logs_and_exec_in_a_pod_of_the_rolled_back_deployment(kubectl, cluster):
    pod = wait_pods(cluster, 4, image="hello-world:v1.0")[0]["metadata"]["name"]
    kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{pod}/proxy/again")
    assert '"GET /again HTTP/1.1" 200' in kubectl("logs", pod)
    assert kubectl("exec", pod, "--", "hostname") == f"{pod}\n"


# -- logs of played tasks: a loop followed, a crash's previous attempt ----------------------

def wait_pod(cluster, name: str, predicate, what: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        pod = cluster.client.get("pods", name)
        if predicate(pod):
            return pod
        if time.monotonic() > deadline:
            pytest.fail(f"pod {name}: no {what}: {pod.get('status')}")
        time.sleep(0.2)


def test_logs_follow_a_looping_task(kubectl, cluster):
    out = kubectl("run", "ticker", "--image=busybox", "--", "sh", "-c",
                  "i=0; while true; do echo tick; sleep 1; done")
    assert out.strip() == "pod/ticker created"
    try:
        wait_pod(cluster, "ticker", running, "Running")
        follow = Lines(subprocess.Popen(kubectl.argv("logs", "-f", "ticker"),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=kubectl.env))
        try:
            first = len(follow.lines)
            follow.wait_for(lambda lines: len(lines) >= first + 3, "3 more ticks")
            assert set(follow.lines) == {"tick\n"}
        finally:
            follow.stop()
    finally:
        kubectl("delete", "pod", "ticker", "--grace-period=0", "--force", check=False)


def test_logs_previous_of_a_crashing_container(kubectl, cluster):
    kubectl("run", "crasher", "--image=rayk8s/crash")
    try:
        wait_pod(cluster, "crasher", lambda p: any(
            cs.get("restartCount", 0) >= 1 for cs in p["status"].get("containerStatuses") or []),
                 "restart")
        previous = kubectl("logs", "crasher", "--previous")
        assert previous == "starting\nfatal: crashing on purpose\n"
        proc = kubectl.run("logs", "helloworld-nosuch", check=False)
        assert 'pods "helloworld-nosuch" not found' in proc.stderr
    finally:
        kubectl("delete", "pod", "crasher", "--grace-period=0", "--force", check=False)


# -- the rest of the walkthrough's commands --------------------------------------------------

def test_get_service_by_label(kubectl):
    out = rows(kubectl("get", "service", "-l", "app=helloworld"))
    assert out[0][:3] == ["NAME", "TYPE", "CLUSTER-IP"]
    assert [r[0] for r in out[1:]] == ["helloworld"]


def test_rollout_pause_and_resume(kubectl, cluster):
    assert "paused" in kubectl("rollout", "pause", "deployment/helloworld")
    kubectl("set", "image", "deployments/helloworld", "hello-world=hello-world:v2.0")
    time.sleep(2)   # paused: the template change must not roll out
    assert {p["spec"]["containers"][0]["image"] for p in helloworld_pods(cluster)} == \
        {"hello-world:v1.0"}
    assert "resumed" in kubectl("rollout", "resume", "deployment/helloworld")
    out = kubectl("rollout", "status", "deployment/helloworld", timeout=120)
    assert out.strip().splitlines()[-1] == 'deployment "helloworld" successfully rolled out'
    wait_pods(cluster, 4, image="hello-world:v2.0")
    kubectl("rollout", "undo", "deployment/helloworld")   # back to v1.0 for what follows
    kubectl("rollout", "status", "deployment/helloworld", timeout=120)
    wait_pods(cluster, 4, image="hello-world:v1.0")


def test_autoscale_and_get_hpa(kubectl):
    out = kubectl("autoscale", "deployment", "helloworld", "--cpu-percent=50", "--min=1",
                  "--max=10")   # a protobuf autoscaling/v1 body; read back as v2
    assert out.strip() == "horizontalpodautoscaler.autoscaling/helloworld autoscaled"
    table = rows(kubectl("get", "hpa"))
    assert table[0] == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert table[1][:2] == ["helloworld", "Deployment/helloworld"]
    assert "/50%" in " ".join(table[1]) and table[1][-4:-2] == ["1", "10"]
    kubectl("delete", "hpa", "helloworld")


def test_apply_and_delete_the_examples(kubectl, cluster):
    examples = os.path.join(os.path.dirname(__file__), "..", "..", "helm-free-manifests",
                            "examples")
    kubectl("create", "namespace", "examples")
    out = kubectl("apply", "-n", "examples", "-f", examples)
    for made in ("deployment.apps/helloworld", "service/helloworld", "job.batch/countdown",
                 "service/nginx", "statefulset.apps/web",
                 "horizontalpodautoscaler.autoscaling/helloworld",
                 "ingress.networking.k8s.io/walkthrough"):
        assert f"{made} created" in out, out
    assert "unchanged" in kubectl("apply", "-n", "examples", "-f", examples)
    # The Ingress: two paths to two Services on the ingress controller's loopback port,
    # and the StatefulSet's pods by DNS name from a pod.
    assert cluster.ingress_url

    def through_ingress(path: str, host: str = "hello.example.com") -> tuple[int, str]:
        req = urllib.request.Request(cluster.ingress_url + path, headers={"Host": host})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
    deadline = time.monotonic() + 90
    while not (through_ingress("/")[1].startswith("Hello world !") and
               through_ingress("/nginx")[0] == 404):        # both Services have endpoints
        assert time.monotonic() < deadline, (through_ingress("/"), through_ingress("/nginx"))
        time.sleep(0.5)
    status, body = through_ingress("/nginx")
    assert "<h1>404 Not Found</h1>" in body     # nginx's own 404 page: the request reached it
    assert through_ingress("/", host="other.example.com")[1].startswith("Hello world !")
    out = rows(kubectl("get", "ingress", "-n", "examples"))
    assert out[1][0] == "walkthrough" and out[1][3] == "127.0.0.1", out
    assert out[1][1] == "rayk8s", out       # CLASS: the default IngressClass, by admission
    out = rows(kubectl("get", "ingressclass"))
    assert out[0] == ["NAME", "CONTROLLER", "PARAMETERS", "AGE"], out
    assert ["rayk8s", "rayk8s.io/ingress-controller", "<none>"] in [r[:3] for r in out], out
    pod = next(p["metadata"]["name"] for p in cluster.client.list("pods", "examples")
               if p["metadata"]["name"].startswith("helloworld-"))
    deadline = time.monotonic() + 60
    while "Welcome to nginx!" not in kubectl.run(
            "exec", "-n", "examples", pod, "--", "wget", "-qO-", "http://web-0.nginx/",
            check=False).stdout:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    out = kubectl("delete", "-n", "examples", "-f", examples, timeout=120)
    assert "statefulset.apps \"web\" deleted" in out
    kubectl("delete", "namespace", "examples", timeout=120)


# -- everything, then the service goes ------------------------------------------------------

def test_get_all(kubectl):
    out = kubectl("get", "all")
    kinds = {line.split()[0].split("/")[0] for line in out.splitlines()
             if line.split() and "/" in line.split()[0]}
    assert kinds >= {"pod", "service", "deployment.apps", "replicaset.apps"}
    assert len(re.findall(r"^pod/helloworld-\S+\s+1/1\s+Running", out, re.M)) == 4
    assert re.search(r"^service/helloworld\s+NodePort", out, re.M)
    assert re.search(r"^deployment\.apps/helloworld\s+4/4\s+4\s+4", out, re.M)
    assert len(re.findall(r"^replicaset\.apps/helloworld-", out, re.M)) == 2


def test_delete_service(kubectl):
    assert kubectl("delete", "service", "helloworld").strip() == 'service "helloworld" deleted'
    proc = kubectl.run("get", "service", "helloworld", check=False)
    assert proc.returncode == 1
    assert 'services "helloworld" not found' in proc.stderr

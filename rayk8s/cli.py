"""``rayk8s`` command line: up | down | status | demo.

``rayk8s up`` brings a cluster up and keeps it until interrupted.
``rayk8s demo`` plays the walkthrough with the real kubectl on a fresh 3-node
cluster (``--python``: a short Python API session instead).
``rayk8s up --detach`` returns once the cluster is ready and leaves it
running: without ``--address`` it starts a small daemon process that owns a
local Ray (on 127.0.0.1) and the control-plane actors, and records its PID in
a state file; ``rayk8s down`` asks that daemon to stop (SIGTERM), which shuts
down exactly the Ray it started -- never ``ray stop``, which would end every
Ray process on the host.  With ``--address`` the actors are detached named
actors on that Ray cluster, and ``down`` removes only them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DEFAULT_STATE_DIR = Path(os.environ.get("RAYK8S_HOME", Path.home() / ".rayk8s"))


def _state_file(state_dir: Path, name: str) -> Path:
    return state_dir / f"{name}.json"


def _cluster_kwargs(args) -> dict:
    return dict(name=args.name, data_dir=args.data_dir, time_scale=args.time_scale,
                nodes=args.nodes, nodes_per_actor=args.nodes_per_actor,
                http_port=args.port, http_host=args.bind, token_file=args.token_file,
                tls_cert_file=args.tls_cert_file, tls_key_file=args.tls_private_key_file,
                ingress_port=args.ingress_port, service_cidr=args.service_cluster_ip_range,
                node_port_range=args.service_node_port_range, proxy_mode=args.proxy_mode,
                load_balancer_pool=args.load_balancer_pool)


def _prepare_tls(args) -> None:
    """Absolute paths for the actor; with a token file and no certificate, a
    self-signed one (kubectl sends bearer tokens only over https)."""
    for attr in ("token_file", "tls_cert_file", "tls_private_key_file"):
        if getattr(args, attr):
            setattr(args, attr, str(Path(getattr(args, attr)).expanduser().resolve()))
    if bool(args.tls_cert_file) != bool(args.tls_private_key_file):
        raise SystemExit("rayk8s: --tls-cert-file and --tls-private-key-file go together")
    if args.token_file and not args.tls_cert_file:
        from .apiserver.http import tls
        base = Path(args.state_dir).expanduser().resolve() / f"{args.name}-apiserver"
        hosts = ("127.0.0.1", "localhost") + (
            (args.bind,) if args.bind not in ("127.0.0.1", "0.0.0.0", "::", "") else ())
        args.tls_cert_file, args.tls_private_key_file = tls.self_signed(
            f"{base}.crt", f"{base}.key", hosts)


def _kubeconfig_path(args) -> Path:
    if args.kubeconfig:
        return Path(args.kubeconfig).expanduser().resolve()
    return Path(args.state_dir).expanduser().resolve() / f"{args.name}.kubeconfig"


def _write_kubeconfig(cluster, args) -> str:
    return cluster.write_kubeconfig(str(_kubeconfig_path(args)), context=args.name)


def cmd_up(args) -> int:
    state_dir = Path(args.state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    state_path = _state_file(state_dir, args.name)
    if args.detach and state_path.exists():
        print(f"cluster {args.name!r} is already up ({state_path}); `rayk8s down` first",
              file=sys.stderr)
        return 1
    _prepare_tls(args)
    if args.detach:
        if args.address:
            return _up_detached_on(args, state_path)
        return _spawn_daemon(args, state_path)
    return _serve(args, state_path, foreground=True)


def _serve(args, state_path: Path, foreground: bool) -> int:
    """Run a cluster until SIGTERM/SIGINT; the state file says where it is."""
    import rayk8s

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    cluster = rayk8s.Cluster(**_cluster_kwargs(args))
    try:
        cluster.start()
        import ray
        kubeconfig = _write_kubeconfig(cluster, args)
        state = {"name": args.name, "pid": os.getpid(), "mode": "daemon",
                 "ray_address": ray.get_runtime_context().gcs_address,
                 "clock": {"time_scale": cluster.clock.time_scale,
                           "epoch": cluster.clock.epoch},
                 "nodes_per_actor": args.nodes_per_actor,
                 "url": cluster.url, "ingress": cluster.ingress_url,
                 "kubeconfig": kubeconfig,
                 "metrics": cluster.metrics_addresses(), "ready": True}
        _write_state(state_path, state)
        if foreground:
            print(f"rayk8s: cluster {args.name!r} is up (Ray at {state['ray_address']}); "
                  f"API at {cluster.url}; Ingress at {cluster.ingress_url}; metrics at "
                  f"{state['metrics']}. Ctrl-C stops it.\n"
                  f"export KUBECONFIG={kubeconfig}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        cluster.stop()
        state_path.unlink(missing_ok=True)
    return 0


def _write_state(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def _spawn_daemon(args, state_path: Path) -> int:
    log_path = state_path.with_suffix(".log")
    cmd = [sys.executable, "-m", "rayk8s.cli", "--state-dir", str(args.state_dir), "up",
           "--name", args.name, "--time-scale", str(args.time_scale),
           "--nodes", str(args.nodes), "--nodes-per-actor", str(args.nodes_per_actor)]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    cmd += ["--port", str(args.port), "--bind", args.bind,
            "--kubeconfig", str(_kubeconfig_path(args))]
    if args.token_file:
        cmd += ["--token-file", args.token_file]
    if args.tls_cert_file:
        cmd += ["--tls-cert-file", args.tls_cert_file,
                "--tls-private-key-file", args.tls_private_key_file]
    cmd.append("--_daemon")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if state_path.exists():
            state = json.loads(state_path.read_text())
            if state.get("ready"):
                print(f"rayk8s: cluster {args.name!r} is up (pid {state['pid']}, Ray at "
                      f"{state['ray_address']}, API at {state.get('url')}); "
                      f"`rayk8s down` stops it.\nexport KUBECONFIG={state.get('kubeconfig')}")
                return 0
        if proc.poll() is not None:
            print(f"rayk8s: the cluster daemon exited ({proc.returncode}); see {log_path}",
                  file=sys.stderr)
            return 1
        time.sleep(0.2)
    proc.terminate()
    print(f"rayk8s: the cluster was not ready in {args.timeout}s; see {log_path}", file=sys.stderr)
    return 1


def _up_detached_on(args, state_path: Path) -> int:
    import rayk8s

    cluster = rayk8s.Cluster(address=args.address, detached=True, **_cluster_kwargs(args))
    cluster.start()
    kubeconfig = _write_kubeconfig(cluster, args)
    _write_state(state_path, {"name": args.name, "mode": "detached-actors",
                              "ray_address": args.address, "url": cluster.url,
                              "ingress": cluster.ingress_url, "kubeconfig": kubeconfig,
                              "metrics": cluster.metrics_addresses(), "ready": True})
    print(f"rayk8s: cluster {args.name!r} is up on Ray at {args.address}, API at "
          f"{cluster.url}, Ingress at {cluster.ingress_url}.\nexport KUBECONFIG={kubeconfig}")
    return 0


def cmd_down(args) -> int:
    state_path = _state_file(Path(args.state_dir), args.name)
    if not state_path.exists():
        print(f"rayk8s: no cluster {args.name!r} is up", file=sys.stderr)
        return 1
    state = json.loads(state_path.read_text())
    if state.get("mode") == "daemon":
        pid = int(state["pid"])
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            state_path.unlink(missing_ok=True)
            print(f"rayk8s: cluster {args.name!r} was already gone")
            return 0
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            print(f"rayk8s: pid {pid} did not stop in {args.timeout}s", file=sys.stderr)
            return 1
    else:
        import ray

        from .actors import cluster as cl, launcher
        launcher.ensure_ray(state["ray_address"])
        names = set(cl.actor_names(args.name).values())
        names |= {a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
                  if a.get("namespace") == launcher.RAY_NAMESPACE and
                  a["name"].startswith(f"{args.name}-node-actor-")}    # the node actors too
        for actor in sorted(names):
            try:
                ray.kill(ray.get_actor(actor, namespace=launcher.RAY_NAMESPACE))
            except ValueError:
                pass
        ray.shutdown()
    state_path.unlink(missing_ok=True)
    print(f"rayk8s: cluster {args.name!r} is down")
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def cmd_node(args) -> int:
    """``rayk8s node add|remove``: change the emulated nodes of a running cluster.

    New node actors are detached named actors on the cluster's Ray; they use
    the cluster's clock (its epoch and time scale, from the state file) and
    talk to its apiserver actor like the others.
    """
    state_path = _state_file(Path(args.state_dir), args.name)
    if not state_path.exists():
        print(f"rayk8s: no cluster {args.name!r} is up", file=sys.stderr)
        return 1
    state = json.loads(state_path.read_text())
    import ray

    import rayk8s
    from . import clock as clockmod
    from .actors import cluster as cl, components, launcher
    from .node import nodeinfo
    kube = rayk8s.connect(args.name, address=state["ray_address"])
    if args.node_command == "remove":
        try:
            node = kube.get("nodes", args.node_name)
        except rayk8s.ApiError as err:
            print(f"Error from server ({err.reason}): {err.message}", file=sys.stderr)
            return 1
        actor_name = (node["metadata"].get("annotations") or {}).get(
            nodeinfo.NODE_ACTOR_ANNOTATION)
        if not actor_name:
            print(f"rayk8s: node {args.node_name} has no node actor recorded", file=sys.stderr)
            return 1
        handle = ray.get_actor(actor_name, namespace=launcher.RAY_NAMESPACE)
        ray.get(handle.remove_node.remote(args.node_name))
        if not ray.get(handle.info.remote())["names"]:
            ray.get(handle.stop.remote())
            ray.kill(handle)
        print(f"node/{args.node_name} removed")
        return 0
    taken = {n["metadata"]["name"] for n in kube.list("nodes")}
    specs, index = [], 0
    while len(specs) < args.count:
        index += 1
        spec = components.node_spec(index, cpu=args.cpu, memory=args.memory, pods=args.pods)
        if spec["name"] not in taken:
            specs.append(spec)
    clock = clockmod.RealClock(state["clock"]["time_scale"], state["clock"]["epoch"])
    apiserver = ray.get_actor(cl.actor_names(args.name)["apiserver"],
                              namespace=launcher.RAY_NAMESPACE)
    components.start_node_actors(apiserver, clock, specs, state.get("nodes_per_actor", 1),
                                 name_prefix=f"{args.name}-", detached=True)
    for spec in specs:
        print(f"node/{spec['name']} added")
    return 0


def cmd_status(args) -> int:
    state_path = _state_file(Path(args.state_dir), args.name)
    if not state_path.exists():
        print(f"rayk8s: no cluster {args.name!r} is up")
        return 1
    state = json.loads(state_path.read_text())
    import rayk8s
    kube = rayk8s.connect(args.name, address=state["ray_address"])
    namespaces = [n["metadata"]["name"] for n in kube.list("namespaces")]
    print(json.dumps({**state, "namespaces": namespaces}, indent=2))
    return 0


DEMO_MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
  labels: {app: helloworld}
data:
  message: Hello world !
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: helloworld
  labels: {app: helloworld}
spec:
  replicas: 1
  selector:
    matchLabels: {app: helloworld}
  template:
    metadata:
      labels: {app: helloworld}
    spec:
      containers:
      - name: hello-world
        image: hello-world:v1.0
        ports:
        - containerPort: 8090
"""


def cmd_demo(args) -> int:
    if args.python:
        return _python_demo(args)
    return KubectlDemo(args).run()


class KubectlDemo:
    """The walkthrough (../shared/seed) with the real kubectl on a fresh 3-node cluster.

    Each step prints the command and what kubectl printed.  Waits (pods
    running, rollouts) read the cluster through the Python client and print
    nothing.  Everything started here -- the local Ray, the cluster, the
    ``kubectl proxy`` process -- is stopped at the end, the proxy by its PID.
    """

    def __init__(self, args):
        self.args = args
        # Real time: kubectl computes event ages from its own clock, so a faster
        # cluster clock would show them as <invalid> (the walkthrough takes ~10 s).
        self.time_scale = args.time_scale if args.time_scale is not None else 1.0
        self.failures: list[str] = []
        self.kubectl = shutil.which("kubectl")
        self.tmp = None
        self.env: dict = {}
        self.cluster = None
        self.proxy: subprocess.Popen | None = None
        self.proxy_port = 0

    # -- printing and running
    @staticmethod
    def say(text: str = "") -> None:
        print(text, flush=True)

    def note(self, text: str) -> None:
        self.say(f"\n# {text}")

    def k(self, *argv: str, expect_fail: bool = False, show: bool = True,
          timeout: float = 60.0) -> subprocess.CompletedProcess:
        if show:
            self.say(f"\n$ kubectl {' '.join(_quote(a) for a in argv)}")
        proc = subprocess.run([self.kubectl, f"--cache-dir={self.tmp}/cache", *argv],
                              capture_output=True, text=True, env=self.env, timeout=timeout)
        if show:
            out = (proc.stdout + proc.stderr).rstrip("\n")
            if out:
                self.say(out)
        if (proc.returncode != 0) != expect_fail:
            self.failures.append(f"kubectl {' '.join(argv)} exited {proc.returncode}")
        return proc

    def curl(self, path: str, show: bool = True, wait: float = 0.0) -> str:
        """An HTTP GET (the walkthrough's curl): a path through ``kubectl proxy``, or a
        full URL (a NodePort on a node's loopback address).  ``wait``: seconds to
        retry while the Service's endpoints are still being programmed (503)."""
        import urllib.error
        import urllib.request
        url = path if path.startswith("http") else f"http://127.0.0.1:{self.proxy_port}{path}"
        if show:
            self.say(f"\n$ curl {url}")
        deadline = time.monotonic() + wait
        while True:
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    text = resp.read().decode("utf-8", "replace")
                break
            except (urllib.error.URLError, OSError) as exc:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                text = f"curl: {exc}"
                self.failures.append(f"GET {path}: {exc}")
                break
        if show:
            self.say(text.rstrip("\n"))
        return text

    # -- waiting (silently, through the Python client)
    def pods(self) -> list[dict]:
        return self.cluster.client.list("pods", label_selector="app=helloworld")

    def wait_running(self, count: int, image: str | None = None, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pods = [p for p in self.pods() if not p["metadata"].get("deletionTimestamp")]
            ready = [p for p in pods if p.get("status", {}).get("phase") == "Running" and any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in p["status"].get("conditions") or [])]
            if len(ready) == count == len(pods) and (image is None or all(
                    p["spec"]["containers"][0]["image"] == image for p in pods)):
                return
            time.sleep(0.2)
        self.failures.append(f"pods were not all running in {timeout:.0f}s")

    def a_pod(self) -> str:
        running = sorted(p["metadata"]["name"] for p in self.pods()
                         if p.get("status", {}).get("phase") == "Running"
                         and not p["metadata"].get("deletionTimestamp"))
        return running[0] if running else "helloworld"

    # -- kubectl proxy
    def start_proxy(self) -> None:
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.proxy_port = sock.getsockname()[1]
        self.say(f"\n$ kubectl proxy --port={self.proxy_port} &")
        self.proxy = subprocess.Popen(
            [self.kubectl, f"--cache-dir={self.tmp}/cache", "proxy", f"--port={self.proxy_port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env)
        line = self.proxy.stdout.readline().strip()
        self.say(f"{line}   (pid {self.proxy.pid})")

    def stop_proxy(self) -> None:
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.terminate()
            try:
                self.proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proxy.kill()
                self.proxy.wait()
        self.proxy = None

    # -- the walkthrough
    def run(self) -> int:
        import tempfile

        import rayk8s

        if self.kubectl is None:
            print("rayk8s demo: kubectl is not on PATH (`rayk8s demo --python` needs none)",
                  file=sys.stderr)
            return 1
        started = time.monotonic()
        self.tmp = tempfile.mkdtemp(prefix="rayk8s-demo-")
        self.say(f"rayk8s demo: a 3-node cluster on a local Ray (time scale "
                 f"{self.time_scale:g}); kubectl is the real one on PATH.")
        self.cluster = rayk8s.Cluster(nodes=3, name=self.args.name,
                                      time_scale=self.time_scale,
                                      ray_init={"logging_level": logging.WARNING})
        self.cluster.start()
        try:
            kubeconfig = self.cluster.write_kubeconfig(os.path.join(self.tmp, "config"))
            self.env = {**os.environ, "KUBECONFIG": kubeconfig}
            self.say(f"API at {self.cluster.url}; export KUBECONFIG={kubeconfig}")
            self.walkthrough()
        finally:
            self.stop_proxy()
            self.cluster.stop()
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.say(f"\ncluster stopped ({time.monotonic() - started:.0f}s in all).")
        if self.failures:
            self.say("\nunexpected: " + "; ".join(self.failures))
            return 1
        return 0

    def walkthrough(self) -> None:
        self.k("get", "nodes")
        self.note("the walkthrough's `kubectl run helloworld --image=... --port=8090` is "
                  "`create deployment` today")
        self.k("create", "deployment", "helloworld", "--image=hello-world:v1.0", "--port=8090")
        self.k("get", "deployment")
        self.wait_running(1)
        self.k("get", "pod", "-o", "wide")
        pod = self.a_pod()
        self.note("reach the pod through the API server's pod proxy")
        self.start_proxy()
        self.curl(f"/api/v1/namespaces/default/pods/{pod}/proxy/")
        self.k("expose", "deployment/helloworld", "--type=NodePort", "--port", "8090")
        self.k("get", "service")
        self.k("describe", "service/helloworld")
        node_port = self.cluster.client.get("services", "helloworld")["spec"]["ports"][0]["nodePort"]
        node_ip = self.cluster.client.get("nodes", "node-1")["status"]["addresses"][0]["address"]
        self.nodeport_url = f"http://{node_ip}:{node_port}/"
        self.note(f"every node listens on its own address at the NodePort ({node_port}); "
                  f"kube-proxy sends each request to a ready pod")
        self.curl(self.nodeport_url, wait=15)
        self.k("describe", "pod", pod)
        self.note("`kubectl create deployment` labels pods app=helloworld (the walkthrough's "
                  "`kubectl run` used run=helloworld), so app=v1 would need --overwrite and "
                  "take the pod out of its ReplicaSet: label version=v1 instead")
        self.k("label", "pod", pod, "version=v1")
        self.k("get", "pod", "-l", "version=v1")
        self.k("scale", "deployment/helloworld", "--replicas=4")
        self.wait_running(4)
        self.k("get", "deployment")
        self.k("get", "pod", "-o", "wide")
        self.note("load balancing over the 4 pods: successive requests to the NodePort "
                  "rotate over them")
        for _ in range(8):
            self.curl(self.nodeport_url, wait=5)
        self.note("the container is named after the image, hello-world")
        self.k("set", "image", "deployments/helloworld", "hello-world=hello-world:v2.0")
        self.k("rollout", "status", "deployment/helloworld", timeout=120)
        self.wait_running(4, image="hello-world:v2.0")
        self.k("get", "pods")
        self.curl(self.nodeport_url, wait=5)
        self.k("rollout", "history", "deployment/helloworld")
        self.k("rollout", "undo", "deployment/helloworld")
        self.k("rollout", "status", "deployment/helloworld", timeout=120)
        self.wait_running(4, image="hello-world:v1.0")
        pod = self.a_pod()
        self.curl(f"/api/v1/namespaces/default/pods/{pod}/proxy/")
        self.k("logs", pod)
        self.k("exec", pod, "--", "printenv")
        self.k("exec", pod, "--", "cat", "/etc/hosts")
        self.note("service discovery by DNS, from inside a pod: the name resolves to the "
                  "ClusterIP, and kube-proxy sends each request to one of the pods")
        self.k("exec", pod, "--", "nslookup", "helloworld")
        for _ in range(2):
            self.k("exec", pod, "--", "wget", "-qO-", "http://helloworld:8090/")
        self.k("get", "all")
        self.k("delete", "service", "helloworld")
        self.say(f"\n$ kill {self.proxy.pid if self.proxy else ''}   # kubectl proxy")
        self.stop_proxy()


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_=./:,%@+" for c in arg) else repr(arg)


def _python_demo(args) -> int:
    """A short Python API session against a fresh control plane on a local Ray."""
    import rayk8s

    time_scale = args.time_scale if args.time_scale is not None else 1.0
    cluster = rayk8s.Cluster(name=args.name, time_scale=time_scale).start()
    try:
        kube = cluster.client
        say = lambda text: print(f"\n>>> {text}", flush=True)  # noqa: E731
        say("kube.apply(manifest)  # a ConfigMap and a Deployment")
        for obj in kube.apply(DEMO_MANIFEST):
            print(f"{obj['kind'].lower()}/{obj['metadata']['name']} created "
                  f"(resourceVersion {obj['metadata']['resourceVersion']})")
        dep = kube.get("deploy", "helloworld")
        say('kube.get("deploy", "helloworld")')
        print(f"replicas={dep['spec']['replicas']} strategy={dep['spec']['strategy']['type']} "
              f"generation={dep['metadata']['generation']} uid={dep['metadata']['uid']}")
        say('kube.scale("deployments", "helloworld", 4)')
        scale = kube.scale("deployments", "helloworld", 4)
        print(f"Scale: spec.replicas={scale['spec']['replicas']} "
              f"selector={scale['status']['selector']!r}")
        say("two writers race on one object: the stale one gets 409 Conflict")
        stale = kube.get("deploy", "helloworld")
        kube.patch("deploy", "helloworld", {"metadata": {"labels": {"tier": "web"}}})
        try:
            kube.update(stale)
        except rayk8s.ApiError as err:
            print(f"ApiError {err.code} {err.reason}: {err.message}")
        say("kube.watch('configmaps') while one is patched and deleted")
        rv = kube.list_object("configmaps")["metadata"]["resourceVersion"]
        kube.patch("cm", "greeting", {"data": {"message": "Bonjour !"}})
        kube.delete("cm", "greeting")
        for ev in kube.watch("configmaps", resource_version=rv, timeout=1.0):
            print(f"{ev['type']:9} configmap/{ev['object']['metadata']['name']} "
                  f"rv={ev['object']['metadata']['resourceVersion']}")
        say("a bad object is refused with a Status naming the field")
        try:
            kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
                         "spec": {"containers": [{"name": "c"}]}})
        except rayk8s.ApiError as err:
            print(f"ApiError {err.code} {err.reason}: {err.message}")
        say("kube.list('namespaces')")
        print(" ".join(n["metadata"]["name"] for n in kube.list("namespaces")))
        print(f"\nmetrics endpoints: {cluster.metrics_addresses()}")
    finally:
        cluster.stop()
    print("\ncluster stopped.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rayk8s", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", default=str(DEFAULT_STATE_DIR),
                        help="where `up --detach` records running clusters")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--name", default="rayk8s", help="the cluster's name")
        p.add_argument("--timeout", type=float, default=120.0)

    up = sub.add_parser("up", help="bring a cluster up")
    common(up)
    up.add_argument("--detach", action="store_true", help="return once ready; leave it running")
    up.add_argument("--address", help="join this Ray cluster instead of starting one")
    up.add_argument("--data-dir", help="etcd's WAL and snapshots (default: memory only)")
    up.add_argument("--time-scale", type=float, default=1.0,
                    help="the cluster clock runs this many times faster than wall time")
    up.add_argument("--port", type=int, default=0,
                    help="the REST API's port for kubectl (default: any free port)")
    up.add_argument("--bind", default="127.0.0.1",
                    help="the address the REST API listens on (default: 127.0.0.1)")
    up.add_argument("--kubeconfig",
                    help="write the kubeconfig here (default: <state-dir>/<name>.kubeconfig)")
    up.add_argument("--token-file",
                    help="require bearer tokens from this CSV (token,user,uid[,groups]), "
                         "as kube-apiserver's --token-auth-file (implies https: a "
                         "self-signed certificate unless one is given)")
    up.add_argument("--tls-cert-file", help="serve https with this PEM certificate")
    up.add_argument("--tls-private-key-file", help="... and this PEM key")
    up.add_argument("--ingress-port", type=int, default=None,
                    help="the ingress controller's port on 127.0.0.1 (default: 80 if free, "
                         "else any free port; 0: any free port)")
    up.add_argument("--service-cluster-ip-range",
                    help="the ClusterIP range, as kube-apiserver's (default 10.96.0.0/12)")
    up.add_argument("--service-node-port-range",
                    help="the nodePort range, as kube-apiserver's (default 30000-32767)")
    up.add_argument("--proxy-mode", choices=("round-robin", "random"),
                    help="how kube-proxy balances a Service (default round-robin)")
    up.add_argument("--load-balancer-pool",
                    help="LoadBalancer addresses, e.g. 127.0.100.1-127.0.100.254 (loopback)")
    up.add_argument("--nodes", type=int, default=3, help="emulated nodes to start (default 3)")
    up.add_argument("--nodes-per-actor", type=int, default=1,
                    help="kubelets hosted by one node actor")
    up.add_argument("--_daemon", action="store_true", help=argparse.SUPPRESS)
    node = sub.add_parser("node", help="add or remove emulated nodes of a running cluster")
    node_sub = node.add_subparsers(dest="node_command", required=True)
    add = node_sub.add_parser("add", help="start more emulated nodes")
    common(add)
    add.add_argument("--count", type=int, default=1)
    add.add_argument("--cpu", default="2")
    add.add_argument("--memory", default="4Gi")
    add.add_argument("--pods", type=int, default=110)
    remove = node_sub.add_parser("remove", help="stop a node's kubelet and delete its Node")
    common(remove)
    remove.add_argument("node_name")
    down = sub.add_parser("down", help="stop a cluster started by `up --detach`")
    common(down)
    status = sub.add_parser("status", help="show a running cluster")
    common(status)
    demo = sub.add_parser("demo", help="bring a 3-node cluster up, play the walkthrough with "
                                       "the real kubectl, tear it down")
    common(demo)
    demo.add_argument("--time-scale", type=float, default=None,
                      help="the cluster clock's speed-up (default: 1)")
    demo.add_argument("--python", action="store_true",
                      help="a short Python API session instead (no kubectl needed)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "up" and args._daemon:
        return _serve(args, _state_file(Path(args.state_dir), args.name), foreground=False)
    return {"up": cmd_up, "down": cmd_down, "status": cmd_status, "demo": cmd_demo,
            "node": cmd_node}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())

"""The runtime stub and the image catalog: names, plays, apps, probes, logs, stats."""

import pytest

from rayk8s.clock import FakeClock
from rayk8s.node import images, stats
from rayk8s.node.images import Behaviour, Catalog, parse_ref
from rayk8s.node.runtime import ConnectionRefused, PodIPs, Runtime

T0 = 1_700_000_000.0


# -- names and the catalog ----------------------------------------------------------------

@pytest.mark.parametrize("image,full", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.25", "docker.io/library/nginx:1.25"),
    ("docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25"),
    ("polinux/stress", "docker.io/polinux/stress:latest"),
    ("registry.k8s.io/echoserver:1.10", "registry.k8s.io/echoserver:1.10"),
    ("localhost:5000/app:v1", "localhost:5000/app:v1"),
    ("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"),
])
def test_parse_ref(image, full):
    assert parse_ref(image).full == full


@pytest.mark.parametrize("image,app", [
    ("nginx", images.nginx), ("docker.io/library/nginx:1.25", images.nginx),
    ("nginx@sha256:0123", images.nginx), ("httpd:2.4", images.httpd),
    ("registry.k8s.io/echoserver:1.10", images.echoserver),
    ("k8s.gcr.io/echoserver:1.4", images.echoserver),
    ("registry.hnaresearch.com/public/hello-world:v1.0", images.hello_world),
    ("gcr.io/google-samples/hello-app:1.0", images.hello_app),
    ("registry.k8s.io/hpa-example", images.php_apache),
])
def test_catalog_finds_http_apps_under_any_spelling(image, app):
    assert images.DEFAULT.resolve(image).app is app


@pytest.mark.parametrize("image,kind", [
    ("busybox", "task"), ("busybox:1.36", "task"), ("alpine", "task"), ("ubuntu:22.04", "task"),
    ("debian", "task"), ("python:3.12", "task"), ("perl:5.34", "task"),
    ("polinux/stress", "stress"), ("progrium/stress", "stress"), ("vish/stress", "stress"),
    ("registry.k8s.io/pause:3.9", "idle"), ("rayk8s/crash", "idle")])
def test_catalog_kinds(image, kind):
    assert images.DEFAULT.resolve(image).kind == kind


def test_unknown_images_and_user_behaviours():
    catalog = images.DEFAULT.copy()
    assert catalog.resolve("myorg/api:2") is None
    catalog.register("myorg/api", Behaviour(app=lambda req: (201, {}, f"made by {req.pod}"),
                                            ports=(9000,)))
    assert catalog.resolve("docker.io/myorg/api:2").ports == (9000,)
    assert images.DEFAULT.resolve("myorg/api") is None       # copies are independent
    other = Catalog({"ghcr.io/me/tool": Behaviour(kind="idle")})
    assert other.resolve("ghcr.io/me/tool:1").kind == "idle"
    assert other.resolve("docker.io/me/tool") is None         # another registry's image
    assert other.resolve("busybox") is None


def test_play_folds_spec_and_annotations():
    ref = parse_ref("nginx")
    container = {"name": "web", "ports": [{"containerPort": 8080}],
                 "resources": {"limits": {"cpu": "500m"}}}
    ann = {"rayk8s.io/cpu": "0.2", "rayk8s.io/cpu.web": "0:0.1,60:2",
           "rayk8s.io/memory": "64Mi", "rayk8s.io/startup-seconds": "3",
           "rayk8s.io/stop-seconds": "none"}
    p = images.play(images.DEFAULT.resolve(ref), ref, container, ann, "pod")
    assert p.ports == {80}                      # nginx listens on 80 whatever is declared
    assert p.cpu == ((0.0, 0.1), (60.0, 2.0)) and p.cpu_limit == 0.5
    assert p.memory == 64 * 2 ** 20 and p.startup_seconds == 3 and p.stop_seconds is None
    hello = images.play(images.DEFAULT.resolve("hello-world"), parse_ref("hello-world"),
                        {"name": "h", "ports": [{"containerPort": 8090}]}, {}, "pod")
    assert hello.ports == {8090}                # the seed's app listens where it is told


@pytest.mark.parametrize("image,args,cores,memory,duration", [
    ("vish/stress", ["-cpus", "2"], 2, 0, None),
    ("polinux/stress", ["--cpu", "1", "--timeout", "60s"], 1, 0, 60),
    ("progrium/stress", ["--cpu", "2", "--vm", "2", "--vm-bytes", "128M"], 2,
     256 * 2 ** 20, None),
    ("vish/stress", ["-mem-total", "150Mi", "-mem-alloc-size", "10Mi"], 0, 150 * 2 ** 20, None),
])
def test_stress_args(image, args, cores, memory, duration):
    ref = parse_ref(image)
    p = images.play(images.DEFAULT.resolve(ref), ref, {"name": "s", "args": args}, {}, "pod")
    assert (p.cpu[0][1], p.memory, p.duration) == (cores, max(memory, 2 ** 20), duration)


# -- the runtime ------------------------------------------------------------------------

def pod(name="web", image="hello-world:v1.0", annotations=None, **container):
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "annotations": annotations or {}},
            "spec": {"containers": [{"name": "c", "image": image, **container}]}}


def started(rt, p, now=T0):
    rt.run_sandbox(p, now)
    rt.start_container(p, p["spec"]["containers"][0], False, 0, now)
    return rt


def make(clock=None, **kw):
    return Runtime("127.0.1.1", "10.244.1.0/24", clock=clock or FakeClock(T0), **kw)


def test_pod_ips_round_robin_and_exhaustion():
    ips = PodIPs("10.244.7.0/29")
    got = [ips.allocate(f"p{i}") for i in range(5)]
    assert got == ["10.244.7.2", "10.244.7.3", "10.244.7.4", "10.244.7.5", "10.244.7.6"]
    assert ips.allocate("p0") == "10.244.7.2"         # idempotent per pod
    with pytest.raises(RuntimeError, match="no IP addresses available"):
        ips.allocate("p5")
    ips.release("p3")
    assert ips.allocate("p6") == "10.244.7.5" and ips.gateway == "10.244.7.1"


def test_pulls_succeed_or_fail_and_images_are_remembered():
    rt = make()
    p = pod()
    rt.start_pull(p, "c", "hello-world:v1.0", T0)
    rt.start_pull(pod("x"), "c", "nope:1", T0)
    obs = rt.observe("uid-web", T0)
    assert obs.pulls["c"].ok and obs.pulls["c"].done_at == T0 + 0.2
    bad = rt.observe("uid-x", T0).pulls["c"]
    assert not bad.ok and 'failed to resolve reference "docker.io/library/nope:1"' in bad.error
    rt.take_pull("uid-web", "c")
    assert "docker.io/library/hello-world:v1.0" in rt.observe("uid-web", T0).images
    assert make(accept_unknown_images=True).resolve("nope:1") is images.GENERIC


def test_container_lifecycle_views():
    rt = started(make(start_seconds=0.5), pod(image="busybox", command=["sleep", "5"]))
    view = lambda t: rt.observe("uid-web", t).containers["c"]  # noqa: E731
    assert view(T0).end is None and view(T0).next_change == T0 + 0.5
    assert view(T0 + 1).next_change == T0 + 5.5
    end = view(T0 + 6).end
    assert (end.exit_code, end.reason, end.finished_at) == (0, "Completed", T0 + 5.5)


def test_stop_honours_the_app_and_the_grace_period():
    rt = started(make(), pod())                               # stops at once on SIGTERM
    rt.stop_container("uid-web", "c", 30, "delete", T0 + 1)
    end = rt.observe("uid-web", T0 + 1).containers["c"].end
    assert (end.exit_code, end.reason) == (0, "Completed")
    rt = started(make(), pod(annotations={"rayk8s.io/stop-seconds": "none"}))
    rt.stop_container("uid-web", "c", 10, "delete", T0 + 1)
    view = rt.observe("uid-web", T0 + 5).containers["c"]
    assert view.stopping and view.end is None and view.next_change == T0 + 11
    assert rt.observe("uid-web", T0 + 11).containers["c"].end.exit_code == 137


def test_http_app_answers_in_process_and_logs_requests():
    clock = FakeClock(T0)
    rt = started(make(clock), pod(ports=[{"containerPort": 8090}]))
    with pytest.raises(ConnectionRefused):               # still starting
        rt.http_request("default/web", 8090)
    clock.advance(1)
    status, headers, body = rt.http_request("default/web", 8090, "GET", "/",
                                            {"User-Agent": "curl/8"}, client="10.0.0.9")
    assert status == 200 and body == b"Hello world !\nhostname:web\n"
    with pytest.raises(ConnectionRefused, match="dial tcp 10.244.1.2:9999"):
        rt.http_request("default/web", 9999)
    with pytest.raises(ConnectionRefused):
        rt.http_request("default/other", 8090)
    (ts, line), = rt.logs("default", "web")
    assert ts == T0 + 1 and '"GET / HTTP/1.1" 200 27 "-" "curl/8"' in line
    assert line.startswith("10.0.0.9 - - [")


@pytest.mark.parametrize("image,path,status,text", [
    ("hello-world:v2.0", "/", 200, "Hello world !\nhostname:web\nversion:v2.0\n"),
    ("gcr.io/google-samples/hello-app:2.0", "/", 200, "Version: 2.0.0"),
    ("nginx", "/", 200, "Welcome to nginx!"),
    ("nginx", "/missing", 404, "404 Not Found"),
    ("httpd", "/", 200, "It works!"),
    ("registry.k8s.io/echoserver:1.10", "/echo?x=1", 200, "real path=/echo\n\tquery=x=1"),
])
def test_apps(image, path, status, text):
    clock = FakeClock(T0)
    rt = started(make(clock), pod(image=image))
    clock.advance(1)
    port = next(iter(rt.pods["uid-web"].containers["c"].play.ports))
    got, _, body = rt.http_request("default/web", port, "GET", path)
    assert got == status and text in body.decode()


def test_probes_are_answered_by_the_app():
    rt = started(make(), pod(image="nginx", ports=[{"name": "web", "containerPort": 80}]))
    now = T0 + 1
    assert rt.probe("uid-web", "c", {"httpGet": {"path": "/", "port": "web"}}, now) == (True, "")
    assert rt.probe("uid-web", "c", {"httpGet": {"path": "/healthz", "port": 80}}, now) == (
        False, "HTTP probe failed with statuscode: 404")
    assert rt.probe("uid-web", "c", {"httpGet": {"path": "/", "port": 81}}, now) == (
        False, 'Get "http://10.244.1.2:81/": dial tcp 10.244.1.2:81: connect: connection refused')
    assert rt.probe("uid-web", "c", {"tcpSocket": {"port": 80}}, now) == (True, "")
    assert rt.probe("uid-web", "c", {"exec": {"command": ["cat", "/etc/hosts"]}}, now)[0]
    assert rt.probe("uid-web", "c", {"exec": {"command": ["false"]}}, now)[0] is False


def test_exec_probe_sees_the_files_of_the_command():
    rt = started(make(), pod(image="busybox", args=[
        "/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"]))
    check = {"exec": {"command": ["cat", "/tmp/healthy"]}}
    assert rt.probe("uid-web", "c", check, T0 + 10)[0] is True
    assert rt.probe("uid-web", "c", check, T0 + 31)[0] is False


def test_task_logs_appear_with_time_and_loops_keep_logging():
    rt = started(make(start_seconds=0), pod(image="busybox", command=[
        "sh", "-c", "echo start; while true; do echo tick; sleep 10; done"]))
    assert [line for _, line in rt.logs("default", "web", now=T0 + 25)] == [
        "start", "tick", "tick", "tick"]
    assert len(rt.logs("default", "web", now=T0 + 1_000_000)) == 200     # bounded
    with pytest.raises(LookupError):
        rt.logs("default", "web", "c", previous=True)


def test_stats_follow_the_profile_and_grow_with_the_clock():
    clock = FakeClock(T0)
    rt = started(make(clock, start_seconds=0), pod(
        image="vish/stress", args=["-cpus", "2"], resources={"limits": {"cpu": "1500m"}}))
    c = rt.pods["uid-web"].containers["c"]
    assert stats.cpu_cores(c, T0 + 10) == 1.5                # throttled to the limit
    assert stats.cpu_seconds(c, T0 + 10) == pytest.approx(15)
    assert stats.cpu_seconds(c, T0 + 20) == pytest.approx(30)
    clock.advance(20)
    summary = stats.summary(rt, "node-1", T0, 4 * 2 ** 30, clock.now())
    (entry,) = summary["pods"]
    assert entry["podRef"] == {"name": "web", "namespace": "default", "uid": "uid-web"}
    assert entry["cpu"]["usageNanoCores"] == 1_500_000_000
    assert entry["containers"][0]["cpu"]["usageCoreNanoSeconds"] == 30_000_000_000
    assert summary["node"]["cpu"]["usageNanoCores"] > 1_500_000_000


def test_request_driven_cpu_of_the_hpa_example():
    clock = FakeClock(T0)
    rt = started(make(clock, start_seconds=0), pod(image="registry.k8s.io/hpa-example"))
    c = rt.pods["uid-web"].containers["c"]
    idle = stats.cpu_cores(c, clock.now())
    for _ in range(100):                    # 10 requests a second for 10 s
        clock.advance(0.1)
        rt.http_request("default/web", 80)
    busy = stats.cpu_cores(c, clock.now())
    assert idle < 0.01 and 0.5 < busy < 1.0
    assert stats.cpu_seconds(c, clock.now()) == pytest.approx(10 * 0.001 + 100 * 0.1)
    clock.advance(60)
    assert stats.cpu_cores(c, clock.now()) < 0.01       # load gone, usage falls back


def test_a_cpu_profile_by_annotation():
    rt = started(make(start_seconds=0), pod(image="nginx",
                                            annotations={"rayk8s.io/cpu": "0:0.1,60:0.8"}))
    c = rt.pods["uid-web"].containers["c"]
    assert stats.cpu_cores(c, T0 + 30) == 0.1 and stats.cpu_cores(c, T0 + 90) == 0.8
    assert stats.cpu_seconds(c, T0 + 90) == pytest.approx(60 * 0.1 + 30 * 0.8)

"""Issue 4 on Ray: the workload controllers drive real (emulated) pods.

One cluster for the module: 3 emulated nodes, the controller manager, the
scheduler, the cluster clock 10x wall time (so a 30 s grace period or a 10 s
Job back-off takes a few wall seconds).  Each test makes its own objects
(own names and labels), and removes them, waiting until their pods are gone.

The rolling-update and ordering guarantees are *sampled throughout* by a
background thread listing pods (one consistent list per sample) every ~50 ms,
not only checked at the end.
"""

from __future__ import annotations

import copy
import threading
import time

import pytest

from rayk8s import ApiError

from . import helpers
from .helpers import wait_for

TIME_SCALE = 10.0
REVISION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
# kubectl's annotationsToSkip (rollback.go): never copied from the RS on undo.
ANNOTATIONS_TO_SKIP = {"kubectl.kubernetes.io/last-applied-configuration", REVISION,
                       "deployment.kubernetes.io/revision-history",
                       "deployment.kubernetes.io/desired-replicas",
                       "deployment.kubernetes.io/max-replicas",
                       "deprecated.deployment.rollback.to"}


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("workloads-it", nodes=3, time_scale=TIME_SCALE) as c:
        yield c


# -- helpers ---------------------------------------------------------------------------

class Sampler:
    """Calls ``probe()`` every ``interval`` seconds on a thread; keeps the results.

    ``probe`` returns a sample (anything); exceptions are kept and re-raised
    by :meth:`stop`, so a broken probe fails the test instead of sampling
    nothing.
    """

    def __init__(self, probe, interval=0.05):
        self.probe, self.interval = probe, interval
        self.samples: list = []
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.samples.append(self.probe())
            except BaseException as exc:  # noqa: BLE001 - reported by stop()
                self.error = exc
                return
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)
        if self.error is not None:
            raise self.error
        return self.samples


def absent(kube, resource, name, namespace=None):
    try:
        kube.get(resource, name, namespace)
        return False
    except ApiError as exc:
        if exc.code == 404:
            return True
        raise


def deletion(obj):
    return bool(obj["metadata"].get("deletionTimestamp"))


def ready(pod):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def phase(pod):
    return (pod.get("status") or {}).get("phase")


def terminal(pod):
    return phase(pod) in ("Succeeded", "Failed")


def image(pod):
    return pod["spec"]["containers"][0]["image"]


def live(pods):
    """Pods the controllers count: not terminal, not being deleted."""
    return [p for p in pods if not terminal(p) and not deletion(p)]


def pods_of(kube, selector):
    return kube.list("pods", label_selector=selector)


def revision(obj):
    return ((obj["metadata"].get("annotations") or {}).get(REVISION))


def owner_uids(obj):
    return [r["uid"] for r in obj["metadata"].get("ownerReferences") or []]


def owned_rss(kube, d):
    uid = d["metadata"]["uid"]
    sel = ",".join(f"{k}={v}" for k, v in d["spec"]["selector"]["matchLabels"].items())
    return [rs for rs in kube.list("replicasets", label_selector=sel) if uid in owner_uids(rs)]


def deployment(name, replicas=1, img="hello-world:v1.0", strategy=None, startup=None,
               stop=None):
    """``kubectl create deployment NAME --image=IMG --port=8090`` plus a real readiness
    probe (httpGet / on 8090: the app must answer before the pod is Ready)."""
    template_meta = {"labels": {"app": name}}
    if startup is not None:
        # The played app listens only ``startup`` cluster seconds after it started,
        # so readiness takes a visible while and a rollout has visible steps.
        template_meta.setdefault("annotations", {})["rayk8s.io/startup-seconds"] = str(startup)
    if stop is not None:
        # The app takes ``stop`` cluster seconds to exit on SIGTERM: pods linger terminating.
        template_meta.setdefault("annotations", {})["rayk8s.io/stop-seconds"] = str(stop)
    spec = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": template_meta, "spec": {"containers": [{
                "name": "hello-world", "image": img, "ports": [{"containerPort": 8090}],
                "readinessProbe": {"httpGet": {"path": "/", "port": 8090},
                                   "periodSeconds": 2}}]}}}
    if strategy is not None:
        spec["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}


def set_image_patch(img):
    """Exactly the body ``kubectl set image deployments/X hello-world=IMG`` sends."""
    return {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "hello-world"}],
        "containers": [{"image": img, "name": "hello-world"}]}}}}


def rolled_out(kube, name, replicas, img=None):
    """kubectl rollout status's condition, plus every live pod Ready (and of ``img``)."""
    d = kube.get("deployments", name)
    s = d.get("status") or {}
    if int(s.get("observedGeneration") or 0) < d["metadata"]["generation"]:
        return None
    if not (s.get("replicas", 0) == s.get("updatedReplicas", 0) == s.get("readyReplicas", 0)
            == s.get("availableReplicas", 0) == replicas):
        return None
    pods = [p for p in pods_of(kube, f"app={name}") if not deletion(p)]
    if len(pods) != replicas or not all(phase(p) == "Running" and ready(p) for p in pods):
        return None
    if img is not None and any(image(p) != img for p in pods):
        return None
    return d


def delete_and_wait_gone(kube, resource, name, selector, timeout=90):
    try:
        kube.delete(resource, name, propagation_policy="Background")
    except ApiError as exc:
        if exc.code != 404:
            raise
    wait_for(lambda: absent(kube, resource, name), timeout=timeout)
    wait_for(lambda: not pods_of(kube, selector), timeout=timeout)


def rollout_undo(kube, name):
    """What ``kubectl rollout undo deployment/NAME`` does (kubectl-wire.md section 5):
    the owned ReplicaSet with the highest revision below the current one gives its
    template (minus the pod-template-hash label) back, by a JSON patch that also
    replaces the annotations."""
    d = kube.get("deployments", name)
    current = int(revision(d))
    rss = [rs for rs in owned_rss(kube, d) if int(revision(rs) or 0) < current]
    previous = max(rss, key=lambda rs: int(revision(rs)))
    template = copy.deepcopy(previous["spec"]["template"])
    template["metadata"]["labels"].pop(HASH_LABEL, None)
    annotations = {k: v for k, v in (d["metadata"].get("annotations") or {}).items()
                   if k in ANNOTATIONS_TO_SKIP}
    annotations.update({k: v for k, v in (previous["metadata"].get("annotations") or {}).items()
                        if k not in ANNOTATIONS_TO_SKIP})
    kube.patch("deployments", name,
               [{"op": "replace", "path": "/spec/template", "value": template},
                {"op": "replace", "path": "/metadata/annotations", "value": annotations}],
               patch_type="json")
    return previous


def rollout_sample(kube, name):
    """One consistent look at a Deployment's pods and ReplicaSets."""
    pods = pods_of(kube, f"app={name}")
    rss = kube.list("replicasets", label_selector=f"app={name}")
    return {
        # Ready and not on its way out: what serves.
        "available": sum(1 for p in pods if ready(p) and not deletion(p) and not terminal(p)),
        # What the ReplicaSets count (live pods): the surge bound is on these.
        "live": len(live(pods)),
        # Every pod object not yet terminal, terminating ones included.
        "total": sum(1 for p in pods if not terminal(p)),
        # What the Deployment controller bounds by replicas + maxSurge.
        "rs_replicas": sum(int(rs["spec"].get("replicas") or 0) for rs in rss),
        "images": sorted({image(p) for p in live(pods)}),
    }


# -- 1. the seed --------------------------------------------------------------------------

def test_seed_scale_rolling_update_and_rollback(kube):
    name = "helloworld"
    kube.create(deployment(name, replicas=1, startup=5))
    try:
        wait_for(lambda: rolled_out(kube, name, 1), timeout=60)

        # kubectl scale deployment/helloworld --replicas=4
        scale = kube.scale("deployments", name, 4)
        assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 4
        d = wait_for(lambda: rolled_out(kube, name, 4, "hello-world:v1.0"), timeout=60)
        s = d["status"]
        # DESIRED / CURRENT / UP-TO-DATE / AVAILABLE
        assert (d["spec"]["replicas"], s["replicas"], s["updatedReplicas"],
                s["availableReplicas"], s["readyReplicas"]) == (4, 4, 4, 4, 4)
        assert revision(d) == "1"
        [rs1] = owned_rss(kube, d)
        assert rs1["metadata"]["name"] == f"{name}-{rs1['metadata']['labels'][HASH_LABEL]}"
        pods = pods_of(kube, f"app={name}")
        assert all(p["metadata"]["name"].startswith(rs1["metadata"]["name"] + "-") for p in pods)

        # kubectl set image deployments/helloworld hello-world=hello-world:v2.0
        replicas, max_surge, max_unavailable = 4, 1, 1     # 25% of 4: up 1, down 1
        with Sampler(lambda: rollout_sample(kube, name)) as sampler:
            kube.patch("deployments", name, set_image_patch("hello-world:v2.0"),
                       patch_type="strategic")
            d = wait_for(lambda: rolled_out(kube, name, 4, "hello-world:v2.0"), timeout=120)
            wait_for(lambda: not [p for p in pods_of(kube, f"app={name}")
                                  if image(p) == "hello-world:v1.0"], timeout=60)
        _check_rollout(sampler.samples, replicas, max_surge, max_unavailable,
                       "hello-world:v1.0", "hello-world:v2.0")
        assert revision(d) == "2"
        rss = {rs["metadata"]["name"]: rs for rs in owned_rss(kube, d)}
        assert len(rss) == 2
        rs1 = rss.pop(rs1["metadata"]["name"])
        [rs2] = rss.values()
        assert (revision(rs1), rs1["spec"]["replicas"]) == ("1", 0)
        assert (revision(rs2), rs2["spec"]["replicas"]) == ("2", 4)
        assert rs2["spec"]["template"]["spec"]["containers"][0]["image"] == "hello-world:v2.0"

        # kubectl rollout undo deployment/helloworld
        with Sampler(lambda: rollout_sample(kube, name)) as sampler:
            previous = rollout_undo(kube, name)
            assert previous["metadata"]["uid"] == rs1["metadata"]["uid"]
            d = wait_for(lambda: rolled_out(kube, name, 4, "hello-world:v1.0"), timeout=120)
            wait_for(lambda: not [p for p in pods_of(kube, f"app={name}")
                                  if image(p) == "hello-world:v2.0"], timeout=60)
        _check_rollout(sampler.samples, replicas, max_surge, max_unavailable,
                       "hello-world:v2.0", "hello-world:v1.0")
        # The v1 ReplicaSet is reused (no third one) and takes the newest revision.
        rss = {rs["metadata"]["uid"]: rs for rs in owned_rss(kube, d)}
        assert len(rss) == 2
        rs1, rs2 = rss[rs1["metadata"]["uid"]], rss[rs2["metadata"]["uid"]]
        assert (revision(rs1), rs1["spec"]["replicas"]) == ("3", 4)
        assert rs1["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
        assert (revision(rs2), rs2["spec"]["replicas"]) == ("2", 0)
        wait_for(lambda: revision(kube.get("deployments", name)) == "3", timeout=30)
        pods = [p for p in pods_of(kube, f"app={name}") if not deletion(p)]
        assert len(pods) == 4
        assert {p["metadata"]["labels"][HASH_LABEL] for p in pods} == \
            {rs1["metadata"]["labels"][HASH_LABEL]}
        assert {image(p) for p in pods} == {"hello-world:v1.0"}
        events = kube.list("events", field_selector=f"involvedObject.name={name},"
                                                    "reason=ScalingReplicaSet")
        assert events
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def _check_rollout(samples, replicas, max_surge, max_unavailable, old_img, new_img):
    assert len(samples) >= 10, samples
    # The sampler saw the rollout under way, not just its two ends.
    assert any(s["images"] == sorted([old_img, new_img]) for s in samples), samples
    low = min(s["available"] for s in samples)
    assert low >= replicas - max_unavailable, \
        f"available dropped to {low}: {[s for s in samples if s['available'] == low][:3]}"
    # What the Deployment controller guarantees (as Kubernetes' does) is a bound on
    # the sum of its ReplicaSets' spec.replicas, never on pods directly: every
    # sample, exactly.
    high_rs = max(s["rs_replicas"] for s in samples)
    assert high_rs <= replicas + max_surge, samples
    # The ReplicaSets then keep that many live pods; terminating pods are not
    # theirs any more and are not counted (test_workloads_more shows them pass
    # the bound).  Live pods can only pass it while an old ReplicaSet has not yet
    # deleted a pod it was told to drop and the new one already created its own;
    # with one pod per step (this size) the deletion comes first, having a whole
    # Deployment sync of head start.  (At 100 replicas it does not: see
    # benchmarks/workloads.py.)
    high = max(s["live"] for s in samples)
    assert high <= replicas + max_surge, \
        f"live pods rose to {high}: {[s for s in samples if s['live'] == high][:3]}"
    # The surge was used: at some point the ReplicaSets were sized to the bound.
    assert high_rs == replicas + max_surge


# -- 2. pause / resume --------------------------------------------------------------------

def test_paused_deployment_accumulates_changes_until_resumed(kube):
    name = "pauser"
    kube.create(deployment(name, replicas=2))
    try:
        d = wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        before_rs = {rs["metadata"]["name"] for rs in owned_rss(kube, d)}
        before_pods = {p["metadata"]["uid"] for p in pods_of(kube, f"app={name}")}

        kube.patch("deployments", name, {"spec": {"paused": True}})        # rollout pause
        kube.patch("deployments", name, set_image_patch("hello-world:v2.0"),
                   patch_type="strategic")
        kube.patch("deployments", name, {"spec": {"template": {"metadata": {
            "labels": {"tier": "web"}}}}})                                   # a second change

        def paused_observed():
            d = kube.get("deployments", name)
            conds = {c["type"]: c for c in d["status"].get("conditions", [])}
            return d["status"].get("observedGeneration") == d["metadata"]["generation"] and \
                conds.get("Progressing", {}).get("reason") == "DeploymentPaused"
        wait_for(paused_observed, timeout=30)
        with Sampler(lambda: ({rs["metadata"]["name"] for rs in kube.list(
                "replicasets", label_selector=f"app={name}")},
                {p["metadata"]["uid"] for p in pods_of(kube, f"app={name}")})) as sampler:
            time.sleep(3.0)                                 # 30 s of cluster time
        for rs_names, pod_uids in sampler.samples:
            assert rs_names == before_rs
            assert pod_uids == before_pods
        assert {image(p) for p in pods_of(kube, f"app={name}")} == {"hello-world:v1.0"}

        kube.patch("deployments", name, {"spec": {"paused": None}})        # rollout resume
        d = wait_for(lambda: rolled_out(kube, name, 2, "hello-world:v2.0"), timeout=90)
        rss = owned_rss(kube, d)
        assert len(rss) == 2 and revision(d) == "2"
        new = [rs for rs in rss if rs["metadata"]["name"] not in before_rs]
        # Both accumulated changes rolled out in one new revision.
        assert len(new) == 1 and new[0]["spec"]["template"]["metadata"]["labels"]["tier"] == "web"
        pods = [p for p in pods_of(kube, f"app={name}") if not deletion(p)]
        assert all(p["metadata"]["labels"].get("tier") == "web" for p in pods)
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


# -- 3. Recreate ----------------------------------------------------------------------------

def test_recreate_removes_old_pods_before_creating_new_ones(kube):
    name = "recreator"
    # The old pods take 10 s (cluster time) to stop: Recreate must wait for them.
    kube.create(deployment(name, replicas=3, strategy={"type": "Recreate"}, startup=3,
                           stop=10))
    try:
        wait_for(lambda: rolled_out(kube, name, 3), timeout=60)

        def sample():
            pods = pods_of(kube, f"app={name}")
            return ([p for p in pods if image(p) == "hello-world:v1.0" and not terminal(p)],
                    [p for p in pods if image(p) == "hello-world:v2.0"])
        with Sampler(sample) as sampler:
            kube.patch("deployments", name, set_image_patch("hello-world:v2.0"),
                       patch_type="strategic")
            wait_for(lambda: rolled_out(kube, name, 3, "hello-world:v2.0"), timeout=90)
        samples = sampler.samples
        assert any(old and not new for old, new in samples)       # the old ones, stopping
        assert any(new and not old for old, new in samples)
        both = [([p["metadata"]["name"] for p in old], [p["metadata"]["name"] for p in new])
                for old, new in samples if old and new]
        assert not both, f"old pods still running while new ones existed: {both[:3]}"
        # And no gap in the other direction: new pods only after the last old one went.
        first_new = min(i for i, (_, new) in enumerate(samples) if new)
        assert all(not old for old, _ in samples[first_new:])
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


# -- 4, 5. Jobs -----------------------------------------------------------------------------

def job(name, command, completions=None, parallelism=None, backoff_limit=None):
    spec = {"template": {"metadata": {"labels": {"job-test": name}}, "spec": {
        "restartPolicy": "Never",
        "containers": [{"name": "work", "image": "busybox", "command": command}]}}}
    for key, value in (("completions", completions), ("parallelism", parallelism),
                       ("backoffLimit", backoff_limit)):
        if value is not None:
            spec[key] = value
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec}


def job_condition(j, ctype):
    for cond in (j.get("status") or {}).get("conditions") or []:
        if cond["type"] == ctype and cond["status"] == "True":
            return cond
    return None


def test_job_runs_five_completions_two_at_a_time(kube):
    name = "five-by-two"
    kube.create(job(name, ["sleep", "2"], completions=5, parallelism=2))
    try:
        def sample():
            j = kube.get("jobs", name)
            pods = pods_of(kube, f"job-test={name}")
            return (int((j.get("status") or {}).get("active") or 0),
                    sum(1 for p in pods if phase(p) == "Running"),
                    len(live(pods)))
        with Sampler(sample) as sampler:
            j = wait_for(lambda: (lambda j: j if job_condition(j, "Complete") else None)(
                kube.get("jobs", name)), timeout=120)
        s = j["status"]
        assert s["succeeded"] == 5 and not s.get("failed") and not s.get("active")
        assert s["startTime"] and s["completionTime"]
        assert job_condition(j, "Complete")["reason"] == "CompletionsReached"
        samples = sampler.samples
        assert max(a for a, _, _ in samples) == 2, samples       # parallel, and no more
        assert max(r for _, r, _ in samples) <= 2, samples
        assert max(n for _, _, n in samples) <= 2, samples
        pods = pods_of(kube, f"job-test={name}")
        assert len(pods) == 5 and all(phase(p) == "Succeeded" for p in pods)
        assert all(p["metadata"]["ownerReferences"][0]["uid"] == j["metadata"]["uid"]
                   for p in pods)
        # Every finished pod was counted and released (the tracking finalizer is gone).
        assert not any(p["metadata"].get("finalizers") for p in pods)
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


def test_failing_job_hits_backoff_limit(kube):
    name = "always-fails"
    kube.create(job(name, ["sh", "-c", "exit 1"], backoff_limit=2))
    try:
        j = wait_for(lambda: (lambda j: j if job_condition(j, "Failed") else None)(
            kube.get("jobs", name)), timeout=120)
        cond = job_condition(j, "Failed")
        assert cond["reason"] == "BackoffLimitExceeded"
        assert j["status"]["failed"] == 3 and not j["status"].get("succeeded")
        assert not job_condition(j, "Complete")
        pods = pods_of(kube, f"job-test={name}")
        assert len(pods) == 3 and all(phase(p) == "Failed" for p in pods)
        codes = {p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"]
                 for p in pods}
        assert codes == {1}
        events = kube.list("events", field_selector=f"involvedObject.name={name}")
        assert "BackoffLimitExceeded" in {e["reason"] for e in events}
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


# -- 6. StatefulSet ---------------------------------------------------------------------------

WEB = [
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "nginx", "labels": {"app": "nginx"}},
     "spec": {"ports": [{"port": 80, "name": "web"}], "clusterIP": "None",
              "selector": {"app": "nginx"}}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
     "spec": {"selector": {"matchLabels": {"app": "nginx"}}, "serviceName": "nginx",
              "replicas": 2,
              "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {
                  "containers": [{"name": "nginx", "image": "nginx",
                                  "ports": [{"containerPort": 80, "name": "web"}],
                                  "readinessProbe": {"httpGet": {"path": "/", "port": 80},
                                                     "periodSeconds": 2},
                                  "volumeMounts": [{"name": "www",
                                                    "mountPath": "/usr/share/nginx/html"}]}]}},
              "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                  "accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "1Gi"}}}}]}},
]


def test_statefulset_ordered_start_and_stable_claims(kube):
    def sample():
        pods = {p["metadata"]["name"]: p for p in pods_of(kube, "app=nginx")}
        return {n: (phase(p), ready(p)) for n, p in pods.items()}
    try:
        with Sampler(sample) as sampler:
            kube.apply(WEB)

            def both_running():
                pods = {p["metadata"]["name"]: p for p in pods_of(kube, "app=nginx")}
                return pods if set(pods) == {"web-0", "web-1"} and all(
                    phase(p) == "Running" and ready(p) for p in pods.values()) else None
            pods = wait_for(both_running, timeout=90)
        # OrderedReady: web-1 appears only once web-0 is Running and Ready.
        seen_1 = [s for s in sampler.samples if "web-1" in s]
        assert seen_1 and all(s.get("web-0") == ("Running", True) for s in seen_1), \
            sampler.samples
        assert any("web-0" in s and "web-1" not in s for s in sampler.samples)

        def bound(name):
            claim = kube.get("persistentvolumeclaims", name)
            return claim if claim.get("status", {}).get("phase") == "Bound" else None
        claims = {n: wait_for(lambda n=n: bound(n), timeout=30) for n in ("www-web-0", "www-web-1")}
        for n, claim in claims.items():
            pv = kube.get("persistentvolumes", claim["spec"]["volumeName"])
            assert pv["status"]["phase"] == "Bound"
            assert pv["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
        for ordinal in (0, 1):
            pod = pods[f"web-{ordinal}"]
            assert pod["spec"]["hostname"] == f"web-{ordinal}"
            assert pod["spec"]["subdomain"] == "nginx"
            vols = {v["name"]: v for v in pod["spec"]["volumes"]}
            assert vols["www"]["persistentVolumeClaim"]["claimName"] == f"www-web-{ordinal}"

        old = pods["web-1"]
        claim_uid = claims["www-web-1"]["metadata"]["uid"]
        kube.delete("pods", "web-1")

        def replaced():
            try:
                pod = kube.get("pods", "web-1")
            except ApiError:
                return None
            return pod if pod["metadata"]["uid"] != old["metadata"]["uid"] and \
                phase(pod) == "Running" and ready(pod) else None
        pod = wait_for(replaced, timeout=90)
        vols = {v["name"]: v for v in pod["spec"]["volumes"]}
        assert vols["www"]["persistentVolumeClaim"]["claimName"] == "www-web-1"
        claim = kube.get("persistentvolumeclaims", "www-web-1")
        assert claim["metadata"]["uid"] == claim_uid
        assert claim["status"]["phase"] == "Bound"
        assert claim["spec"]["volumeName"] == claims["www-web-1"]["spec"]["volumeName"]
        sts = wait_for(lambda: (lambda s: s if s.get("status", {}).get("readyReplicas") == 2
                                else None)(kube.get("statefulsets", "web")), timeout=30)
        assert sts["status"]["replicas"] == 2
    finally:
        for resource, n in (("statefulsets", "web"), ("services", "nginx")):
            try:
                kube.delete(resource, n)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        wait_for(lambda: not pods_of(kube, "app=nginx"), timeout=90)
        # Claims outlive their StatefulSet (retention policy Retain): removed by hand.
        for n in ("www-web-0", "www-web-1"):
            try:
                kube.delete("persistentvolumeclaims", n)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        wait_for(lambda: not kube.list("persistentvolumeclaims", label_selector="app=nginx"),
                 timeout=60)


# -- 7. cascading and orphaning deletes ---------------------------------------------------------

def test_background_delete_removes_replicasets_and_pods(kube):
    name = "cascade-bg"
    kube.create(deployment(name, replicas=2))
    try:
        d = wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        [rs] = owned_rss(kube, d)
        kube.delete("deployments", name, propagation_policy="Background")
        assert absent(kube, "deployments", name)        # gone at once; the rest follows
        wait_for(lambda: absent(kube, "replicasets", rs["metadata"]["name"]), timeout=60)
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def test_orphan_delete_leaves_replicaset_and_pods(kube):
    name = "cascade-orphan"
    kube.create(deployment(name, replicas=2))
    rs_name = None
    try:
        d = wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        [rs] = owned_rss(kube, d)
        rs_name = rs["metadata"]["name"]
        pod_uids = {p["metadata"]["uid"] for p in pods_of(kube, f"app={name}")}
        kube.delete("deployments", name, propagation_policy="Orphan")
        wait_for(lambda: absent(kube, "deployments", name), timeout=60)
        rs = kube.get("replicasets", rs_name)
        assert not rs["metadata"].get("ownerReferences")
        assert not rs["metadata"].get("deletionTimestamp")
        # Give the garbage collector time to do anything wrong (its absence
        # confirmation window is 2 s).
        time.sleep(4.0)
        rs = kube.get("replicasets", rs_name)
        assert not rs["metadata"].get("ownerReferences") and rs["spec"]["replicas"] == 2
        pods = pods_of(kube, f"app={name}")
        assert {p["metadata"]["uid"] for p in pods} == pod_uids
        assert all(not deletion(p) and phase(p) == "Running" for p in pods)
        # The pods were the ReplicaSet's, not the Deployment's: they keep that owner.
        assert all(owner_uids(p) == [rs["metadata"]["uid"]] for p in pods)
    finally:
        if rs_name:
            delete_and_wait_gone(kube, "replicasets", rs_name, f"app={name}")
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def test_foreground_delete_waits_for_dependents(kube):
    name = "cascade-fg"
    kube.create(deployment(name, replicas=2, stop=10))
    try:
        d = wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        [rs] = owned_rss(kube, d)
        rs_name = rs["metadata"]["name"]

        def sample():
            try:
                dep = kube.get("deployments", name)
            except ApiError:
                dep = None
            try:
                r = kube.get("replicasets", rs_name)
            except ApiError:
                r = None
            return {"deployment": dep is not None,
                    "deleting": dep is not None and deletion(dep),
                    "rs": r is not None, "pods": len(pods_of(kube, f"app={name}"))}
        with Sampler(sample) as sampler:
            kube.delete("deployments", name, propagation_policy="Foreground")
            dep = kube.get("deployments", name)
            assert dep["metadata"]["deletionTimestamp"]
            assert "foregroundDeletion" in dep["metadata"]["finalizers"]
            wait_for(lambda: absent(kube, "deployments", name), timeout=90)
        samples = sampler.samples
        for s in samples:
            if s["rs"] or s["pods"]:
                assert s["deployment"], f"the Deployment went before its dependents: {samples}"
            if s["pods"]:
                assert s["rs"], f"the ReplicaSet went before its pods: {samples}"
        # The Deployment was seen waiting (terminating) while its dependents went.
        assert any(s["deleting"] and s["pods"] for s in samples), samples
        assert not pods_of(kube, f"app={name}")
        assert absent(kube, "replicasets", rs_name)
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


# -- 8. scale to zero and back --------------------------------------------------------------------

def test_scale_to_zero_and_back(kube):
    name = "zeroer"
    kube.create(deployment(name, replicas=3))
    try:
        wait_for(lambda: rolled_out(kube, name, 3), timeout=60)
        first = {p["metadata"]["uid"] for p in pods_of(kube, f"app={name}")}
        kube.scale("deployments", name, 0)
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)
        d = wait_for(lambda: (lambda d: d if d["status"].get("observedGeneration") ==
                              d["metadata"]["generation"] and not d["status"].get("replicas")
                              else None)(kube.get("deployments", name)), timeout=30)
        [rs] = owned_rss(kube, d)
        assert rs["spec"]["replicas"] == 0
        kube.scale("deployments", name, 3)
        wait_for(lambda: rolled_out(kube, name, 3), timeout=60)
        again = {p["metadata"]["uid"] for p in pods_of(kube, f"app={name}")}
        assert len(again) == 3 and not again & first
        assert kube.get("deployments", name, subresource="scale")["status"]["replicas"] == 3
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


# -- 9. ReplicationController ----------------------------------------------------------------------

def bare_pod(name, labels):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "hello-world", "image": "hello-world:v1.0",
                                     "ports": [{"containerPort": 8090}]}]}}


def test_replication_controller_keeps_replicas_and_adopts_orphans(kube):
    name, labels = "rc-keeper", {"app": "rcdemo"}
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name},
          "spec": {"replicas": 2, "selector": labels, "template": {
              "metadata": {"labels": labels}, "spec": {"containers": [{
                  "name": "hello-world", "image": "hello-world:v1.0",
                  "ports": [{"containerPort": 8090}]}]}}}}

    def running():
        pods = live(pods_of(kube, "app=rcdemo"))
        return pods if len(pods) == 2 and all(phase(p) == "Running" for p in pods) else None
    try:
        # An orphan first: the controller adopts it and creates only one more.
        kube.create(bare_pod("rc-orphan", labels))
        wait_for(lambda: phase(kube.get("pods", "rc-orphan")) == "Running", timeout=60)
        kube.create(rc)
        pods = wait_for(running, timeout=60)
        uid = kube.get("replicationcontrollers", name)["metadata"]["uid"]
        orphan = kube.get("pods", "rc-orphan")
        [ref] = orphan["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == \
            ("ReplicationController", name, uid, True)
        assert "rc-orphan" in {p["metadata"]["name"] for p in pods}
        created = [p for p in pods if p["metadata"]["name"] != "rc-orphan"]
        assert created[0]["metadata"]["name"].startswith(f"{name}-")
        rc_obj = wait_for(lambda: (lambda r: r if r.get("status", {}).get("readyReplicas") == 2
                                   else None)(kube.get("replicationcontrollers", name)))
        assert rc_obj["status"]["replicas"] == 2

        # Keeps 2: a deleted pod is replaced.
        kube.delete("pods", created[0]["metadata"]["name"])
        pods = wait_for(lambda: (lambda ps: ps if ps and created[0]["metadata"]["uid"] not in
                                 {p["metadata"]["uid"] for p in ps} else None)(running()),
                        timeout=60)

        # A matching orphan while it is full: adopted (its ownerReference set), and
        # the surplus pod deleted, leaving 2.
        rv = kube.list_object("pods", limit=1)["metadata"]["resourceVersion"]
        kube.create(bare_pod("rc-extra", labels))
        wait_for(lambda: len(live(pods_of(kube, "app=rcdemo"))) == 2 and
                 not any(p["metadata"]["name"] == "rc-extra" and not owner_uids(p)
                         for p in pods_of(kube, "app=rcdemo")), timeout=60)
        adopted = [ev["object"] for ev in kube.watch("pods", resource_version=rv, timeout=2,
                                                     field_selector="metadata.name=rc-extra")
                   if uid in owner_uids(ev["object"])]
        assert adopted, "the extra pod was never adopted"
        time.sleep(1.0)
        pods = live(pods_of(kube, "app=rcdemo"))
        assert len(pods) == 2
        assert all(owner_uids(p) == [uid] for p in pods)
    finally:
        try:
            kube.delete("replicationcontrollers", name)
        except ApiError as exc:
            if exc.code != 404:
                raise
        for pod in ("rc-orphan", "rc-extra"):
            try:
                kube.delete("pods", pod, grace_period_seconds=0)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        wait_for(lambda: not pods_of(kube, "app=rcdemo"), timeout=90)

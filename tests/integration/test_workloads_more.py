"""More of issue 4 on a live cluster: what the seed does not exercise.

Rolling updates with percentages and pods that take a while to stop, a stuck
rollout scaled proportionally (the example of Kubernetes' Deployment docs),
the progress deadline, minReadySeconds, revision history pruning; Indexed
Jobs with a TTL, activeDeadlineSeconds, restartPolicy OnFailure; StatefulSet
scale-down and rolling-update order; a ReplicationController releasing a pod.

Its own module-scoped cluster (3 nodes, clock 10x); each test removes what it
made.
"""

from __future__ import annotations

import time

import pytest

from rayk8s import ApiError

from . import helpers
from .test_workloads import (HASH_LABEL, TIME_SCALE, Sampler, absent, delete_and_wait_gone,
                             deletion, deployment, image, job, job_condition, live, owned_rss,
                             phase, pods_of, ready, revision, rolled_out, rollout_sample,
                             rollout_undo, set_image_patch, wait_for)

BAD_IMAGE = "no-such-registry.example/nope:1"


@pytest.fixture(scope="module")
def cluster(ray_cluster):
    with helpers.emulated("workloads-more-it", nodes=3, time_scale=TIME_SCALE) as c:
        yield c


def conditions(obj):
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


def rs_sizes(kube, name):
    d = kube.get("deployments", name)
    return {rs["spec"]["template"]["spec"]["containers"][0]["image"]: rs["spec"]["replicas"]
            for rs in owned_rss(kube, d)}


# -- Deployments ------------------------------------------------------------------------

@pytest.mark.parametrize("replicas,surge,unavailable,want_surge,want_unavailable", [
    (10, "30%", "20%", 3, 2),     # percentages: surge rounds up, unavailable down
    (3, 0, 1, 0, 1),              # no surge: one old pod goes first
    (3, 1, 0, 1, 0),              # no unavailability: a new pod must be Ready first
])
def test_rolling_update_bounds_with_slow_terminations(kube, replicas, surge, unavailable,
                                                      want_surge, want_unavailable):
    """Pods take 10 s of cluster time to stop, so terminating pods linger."""
    name = f"bounds-{replicas}-{want_surge}-{want_unavailable}"
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge,
                                                           "maxUnavailable": unavailable}}
    kube.create(deployment(name, replicas=replicas, strategy=strategy, startup=5, stop=10))
    try:
        wait_for(lambda: rolled_out(kube, name, replicas), timeout=90)
        with Sampler(lambda: rollout_sample(kube, name)) as sampler:
            kube.patch("deployments", name, set_image_patch("hello-world:v2.0"),
                       patch_type="strategic")
            wait_for(lambda: rolled_out(kube, name, replicas, "hello-world:v2.0"), timeout=120)
        samples = sampler.samples
        assert any(s["images"] == ["hello-world:v1.0", "hello-world:v2.0"] for s in samples)
        assert min(s["available"] for s in samples) >= replicas - want_unavailable, samples
        assert max(s["rs_replicas"] for s in samples) == replicas + want_surge, samples
        assert max(s["live"] for s in samples) <= replicas + want_surge, samples
        # Terminating pods are outside the bound (as in Kubernetes): seen lingering.
        assert any(s["total"] > s["live"] for s in samples)
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def test_stuck_rollout_scaled_proportionally_then_undone(kube):
    """The Deployment docs' proportional-scaling example: 10 replicas, maxSurge 3,
    maxUnavailable 2, a bad image: the old ReplicaSet keeps 8, the new one gets 5 that
    never become available.  Scaled to 15, the 5 more are shared 3 (old) : 2 (new).
    The rollout then times out (progressDeadlineSeconds), and undo recovers it."""
    name = "proportional"
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    d = deployment(name, replicas=10, strategy=strategy)
    d["spec"]["progressDeadlineSeconds"] = 60          # 6 wall seconds
    kube.create(d)
    try:
        wait_for(lambda: rolled_out(kube, name, 10), timeout=90)
        with Sampler(lambda: rollout_sample(kube, name)) as sampler:
            kube.patch("deployments", name, set_image_patch(BAD_IMAGE), patch_type="strategic")
            wait_for(lambda: rs_sizes(kube, name) == {"hello-world:v1.0": 8, BAD_IMAGE: 5},
                     timeout=60)
            time.sleep(2.0)                             # it stays stuck there
        assert rs_sizes(kube, name) == {"hello-world:v1.0": 8, BAD_IMAGE: 5}
        assert min(s["available"] for s in sampler.samples) >= 8
        assert max(s["rs_replicas"] for s in sampler.samples) <= 13

        def timed_out():
            cond = conditions(kube.get("deployments", name)).get("Progressing", {})
            return cond if cond.get("reason") == "ProgressDeadlineExceeded" else None
        cond = wait_for(timed_out, timeout=60)
        assert cond["status"] == "False"
        d = kube.get("deployments", name)
        assert conditions(d)["Available"]["status"] == "True"   # 8 >= 10 - 2

        kube.scale("deployments", name, 15)
        wait_for(lambda: rs_sizes(kube, name) == {"hello-world:v1.0": 11, BAD_IMAGE: 7},
                 timeout=60)

        def counted():
            d = kube.get("deployments", name)
            s = d["status"]
            return d if (s.get("observedGeneration") == d["metadata"]["generation"]
                         and s.get("replicas") == 18 and s.get("availableReplicas") == 11
                         and s.get("updatedReplicas") == 7) else None
        d = wait_for(counted, timeout=60)
        assert d["status"]["unavailableReplicas"] == 7

        # kubectl rollout undo: back to the good template, the bad ReplicaSet drained.
        rollout_undo(kube, name)
        d = wait_for(lambda: rolled_out(kube, name, 15, "hello-world:v1.0"), timeout=120)
        wait_for(lambda: rs_sizes(kube, name) == {"hello-world:v1.0": 15, BAD_IMAGE: 0},
                 timeout=60)
        assert revision(d) == "3"

        def progressing():
            cond = conditions(kube.get("deployments", name)).get("Progressing", {})
            return cond.get("reason") == "NewReplicaSetAvailable"
        wait_for(progressing, timeout=30)
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def test_min_ready_seconds_delays_availability(kube):
    name = "minready"
    d = deployment(name, replicas=2)
    d["spec"]["minReadySeconds"] = 30                   # 3 wall seconds
    kube.create(d)
    try:
        def sample():
            s = kube.get("deployments", name).get("status") or {}
            return int(s.get("readyReplicas") or 0), int(s.get("availableReplicas") or 0)
        with Sampler(sample) as sampler:
            wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        assert any(r == 2 and a == 0 for r, a in sampler.samples), sampler.samples
        assert all(a <= r for r, a in sampler.samples)
        [rs] = owned_rss(kube, kube.get("deployments", name))
        assert rs["spec"]["minReadySeconds"] == 30
        assert rs["status"]["availableReplicas"] == 2
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def test_revision_history_limit_prunes_old_replicasets(kube):
    name = "history"
    d = deployment(name, replicas=1)
    d["spec"]["revisionHistoryLimit"] = 1
    kube.create(d)
    try:
        wait_for(lambda: rolled_out(kube, name, 1), timeout=60)
        for tag in ("v2.0", "v3.0", "v4.0"):
            kube.patch("deployments", name, set_image_patch(f"hello-world:{tag}"),
                       patch_type="strategic")
            wait_for(lambda tag=tag: rolled_out(kube, name, 1, f"hello-world:{tag}"),
                     timeout=60)

        def pruned():
            rss = owned_rss(kube, kube.get("deployments", name))
            return rss if len(rss) == 2 else None
        rss = wait_for(pruned, timeout=30)
        assert sorted(revision(rs) for rs in rss) == ["3", "4"]
        assert revision(kube.get("deployments", name)) == "4"
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


# -- Jobs -----------------------------------------------------------------------------

def test_indexed_job_completes_every_index_then_ttl_removes_it(kube):
    name = "indexed"
    j = job(name, ["sleep", "2"], completions=3, parallelism=3)
    j["spec"]["completionMode"] = "Indexed"
    j["spec"]["ttlSecondsAfterFinished"] = 30          # 3 wall seconds
    kube.create(j)
    try:
        indexes: dict[str, str] = {}

        def sample():
            for p in pods_of(kube, f"job-test={name}"):
                indexes[p["metadata"]["name"]] = \
                    p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
            return kube.get("jobs", name)
        with Sampler(sample) as sampler:
            j = wait_for(lambda: (lambda j: j if job_condition(j, "Complete") else None)(
                kube.get("jobs", name)), timeout=90)
        assert j["status"]["succeeded"] == 3
        assert j["status"]["completedIndexes"] == "0-2"
        assert sorted(indexes.values()) == ["0", "1", "2"]
        assert all(n.startswith(f"{name}-{ix}-") for n, ix in indexes.items())
        assert max(int((s.get("status") or {}).get("active") or 0)
                   for s in sampler.samples) == 3
        # ttlSecondsAfterFinished: the Job (and, through the garbage collector, its
        # pods) goes on its own.
        wait_for(lambda: absent(kube, "jobs", name), timeout=60)
        wait_for(lambda: not pods_of(kube, f"job-test={name}"), timeout=60)
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


def test_active_deadline_fails_the_job_and_stops_its_pods(kube):
    name = "deadline"
    j = job(name, ["sleep", "600"], completions=2, parallelism=2)
    j["spec"]["activeDeadlineSeconds"] = 20            # 2 wall seconds
    kube.create(j)
    try:
        wait_for(lambda: sum(1 for p in pods_of(kube, f"job-test={name}")
                             if phase(p) == "Running") == 2, timeout=60)
        j = wait_for(lambda: (lambda j: j if job_condition(j, "Failed") else None)(
            kube.get("jobs", name)), timeout=90)
        assert job_condition(j, "Failed")["reason"] == "DeadlineExceeded"
        assert not j["status"].get("active")
        assert j["status"]["failed"] == 2
        wait_for(lambda: not live(pods_of(kube, f"job-test={name}")), timeout=60)
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


def test_on_failure_job_restarts_in_place_until_backoff_limit(kube):
    name = "onfailure"
    j = job(name, ["sh", "-c", "exit 1"], backoff_limit=2)
    j["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    kube.create(j)
    try:
        uids = set()

        def sample():
            for p in pods_of(kube, f"job-test={name}"):
                uids.add(p["metadata"]["uid"])
            return None
        with Sampler(sample):
            j = wait_for(lambda: (lambda j: j if job_condition(j, "Failed") else None)(
                kube.get("jobs", name)), timeout=120)
        assert job_condition(j, "Failed")["reason"] == "BackoffLimitExceeded"
        assert len(uids) == 1, "OnFailure restarts the container, not the pod"
        wait_for(lambda: not live(pods_of(kube, f"job-test={name}")), timeout=60)
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


# -- StatefulSet ------------------------------------------------------------------------

def statefulset(name, replicas, img="hello-world:v1.0"):
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}}, "serviceName": name,
                     "replicas": replicas,
                     "template": {"metadata": {"labels": {"app": name}, "annotations": {
                         "rayk8s.io/startup-seconds": "3", "rayk8s.io/stop-seconds": "5"}},
                         "spec": {"containers": [{
                             "name": "app", "image": img, "ports": [{"containerPort": 8090}],
                             "readinessProbe": {"httpGet": {"path": "/", "port": 8090},
                                                "periodSeconds": 1}}]}}}}


def test_statefulset_scales_down_in_reverse_and_rolls_in_reverse(kube):
    name = "ordered"
    kube.create(statefulset(name, 3))

    def members():
        return {p["metadata"]["name"]: p for p in pods_of(kube, f"app={name}")}

    def all_ready(n, img):
        pods = members()
        return pods if len(pods) == n and all(
            phase(p) == "Running" and ready(p) and not deletion(p) and image(p) == img
            for p in pods.values()) else None
    try:
        wait_for(lambda: all_ready(3, "hello-world:v1.0"), timeout=90)

        # Scale down: ordered-2 is gone before ordered-1 starts terminating.
        def sample():
            return {n: deletion(p) for n, p in members().items()}
        with Sampler(sample) as sampler:
            kube.scale("statefulsets", name, 1)
            wait_for(lambda: set(members()) == {f"{name}-0"}, timeout=90)
        for s in sampler.samples:
            if s.get(f"{name}-1"):                      # ordered-1 terminating
                assert f"{name}-2" not in s, sampler.samples
        assert any(s.get(f"{name}-2") for s in sampler.samples)   # seen terminating

        kube.scale("statefulsets", name, 3)
        wait_for(lambda: all_ready(3, "hello-world:v1.0"), timeout=90)

        # RollingUpdate: highest ordinal first, one at a time.
        def sample2():
            return {n: (image(p), ready(p) and not deletion(p)) for n, p in members().items()}
        with Sampler(sample2) as sampler:
            kube.patch("statefulsets", name, {"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "hello-world:v2.0"}]}}}}, patch_type="strategic")
            wait_for(lambda: all_ready(3, "hello-world:v2.0"), timeout=120)
        order = []
        for s in sampler.samples:
            for n, (img, _) in sorted(s.items()):
                if img == "hello-world:v2.0" and n not in order:
                    order.append(n)
        assert order == [f"{name}-2", f"{name}-1", f"{name}-0"], order
        for s in sampler.samples:
            not_ready = [n for n, (_, ok) in s.items() if not ok] + \
                [f"{name}-{i}" for i in range(3) if f"{name}-{i}" not in s]
            assert len(not_ready) <= 1, s
        sts = wait_for(lambda: (lambda s: s if s["status"].get("currentRevision") ==
                                s["status"].get("updateRevision") and
                                s["status"].get("updatedReplicas") == 3 else None)(
            kube.get("statefulsets", name)), timeout=30)
        assert sts["status"]["readyReplicas"] == 3
    finally:
        try:
            kube.delete("statefulsets", name)
        except ApiError as exc:
            if exc.code != 404:
                raise
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)


# -- ReplicationController ------------------------------------------------------------------

def test_replication_controller_releases_a_relabelled_pod(kube):
    name = "rc-release"
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name},
          "spec": {"replicas": 2, "selector": {"app": name}, "template": {
              "metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                  "name": "hello-world", "image": "hello-world:v1.0"}]}}}}
    kube.create(rc)
    released = None
    try:
        pods = wait_for(lambda: (lambda ps: ps if len(ps) == 2 and all(
            phase(p) == "Running" for p in ps) else None)(live(pods_of(kube, f"app={name}"))),
            timeout=60)
        released = pods[0]["metadata"]["name"]
        kube.patch("pods", released, {"metadata": {"labels": {"app": "elsewhere"}}})
        wait_for(lambda: not kube.get("pods", released)["metadata"].get("ownerReferences"),
                 timeout=30)
        wait_for(lambda: len([p for p in live(pods_of(kube, f"app={name}"))
                              if phase(p) == "Running"]) == 2, timeout=60)
        assert phase(kube.get("pods", released)) == "Running"      # released, not killed
        assert released not in {p["metadata"]["name"] for p in pods_of(kube, f"app={name}")}
    finally:
        try:
            kube.delete("replicationcontrollers", name)
        except ApiError as exc:
            if exc.code != 404:
                raise
        if released:
            try:
                kube.delete("pods", released, grace_period_seconds=0)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)
        if released:
            wait_for(lambda: absent(kube, "pods", released), timeout=60)


# -- the scale subresource ------------------------------------------------------------------

@pytest.mark.parametrize("resource", ["deployments", "replicasets", "replicationcontrollers",
                                      "statefulsets"])
def test_scale_subresource(kube, resource):
    name = f"scaled-{resource[:5]}"
    labels = {"app": name}
    template = {"metadata": {"labels": labels}, "spec": {"containers": [
        {"name": "app", "image": "hello-world:v1.0"}]}}
    kind, api = {"deployments": ("Deployment", "apps/v1"), "replicasets": ("ReplicaSet", "apps/v1"),
                 "replicationcontrollers": ("ReplicationController", "v1"),
                 "statefulsets": ("StatefulSet", "apps/v1")}[resource]
    spec = {"replicas": 1, "template": template,
            "selector": labels if kind == "ReplicationController" else {"matchLabels": labels}}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    kube.create({"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec})
    try:
        scale = kube.scale(resource, name, 3)
        assert scale["spec"]["replicas"] == 3
        wait_for(lambda: len([p for p in live(pods_of(kube, f"app={name}"))
                              if phase(p) == "Running"]) == 3, timeout=90)

        def reported():
            s = kube.get(resource, name, subresource="scale")
            return s if s["status"]["replicas"] == 3 else None
        s = wait_for(reported, timeout=30)
        assert s["status"]["selector"] == f"app={name}"
        kube.scale(resource, name, 0)
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)
    finally:
        try:
            kube.delete(resource, name)
        except ApiError as exc:
            if exc.code != 404:
                raise
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)


# -- deleting Jobs, undo to a revision, namespaces ---------------------------------------------

@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_deleting_a_running_job(kube, policy):
    """Running pods carry the job-tracking finalizer: whatever the propagation,
    it must come off, or the pods would hang in Terminating for ever."""
    name = f"running-{policy.lower()}"
    kube.create(job(name, ["sleep", "600"], completions=2, parallelism=2))
    try:
        wait_for(lambda: sum(1 for p in pods_of(kube, f"job-test={name}")
                             if phase(p) == "Running") == 2, timeout=60)
        kube.delete("jobs", name, propagation_policy=policy)
        wait_for(lambda: absent(kube, "jobs", name), timeout=60)
        if policy == "Orphan":
            def released():
                pods = pods_of(kube, f"job-test={name}")
                return pods if len(pods) == 2 and all(
                    not p["metadata"].get("finalizers") and
                    not p["metadata"].get("ownerReferences") for p in pods) else None
            pods = wait_for(released, timeout=30)
            assert all(phase(p) == "Running" and not deletion(p) for p in pods)
            for p in pods:
                kube.delete("pods", p["metadata"]["name"])
        wait_for(lambda: not pods_of(kube, f"job-test={name}"), timeout=60)
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


def test_rollout_undo_to_a_given_revision(kube):
    """``kubectl rollout undo --to-revision=1`` after v2 and v3: v1's ReplicaSet is
    revision 4, the others keep theirs."""
    name = "to-revision"
    kube.create(deployment(name, replicas=2))
    try:
        wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        for tag in ("v2.0", "v3.0"):
            kube.patch("deployments", name, set_image_patch(f"hello-world:{tag}"),
                       patch_type="strategic")
            wait_for(lambda tag=tag: rolled_out(kube, name, 2, f"hello-world:{tag}"),
                     timeout=60)
        d = kube.get("deployments", name)
        [rs1] = [rs for rs in owned_rss(kube, d) if revision(rs) == "1"]
        template = dict(rs1["spec"]["template"])
        template["metadata"] = dict(template["metadata"], labels={
            k: v for k, v in template["metadata"]["labels"].items() if k != HASH_LABEL})
        kube.patch("deployments", name,
                   [{"op": "replace", "path": "/spec/template", "value": template},
                    {"op": "replace", "path": "/metadata/annotations",
                     "value": {"deployment.kubernetes.io/revision": revision(d)}}],
                   patch_type="json")
        d = wait_for(lambda: rolled_out(kube, name, 2, "hello-world:v1.0"), timeout=60)
        wait_for(lambda: revision(kube.get("deployments", name)) == "4", timeout=30)
        revs = {rs["spec"]["template"]["spec"]["containers"][0]["image"]: revision(rs)
                for rs in owned_rss(kube, d)}
        assert revs == {"hello-world:v1.0": "4", "hello-world:v2.0": "2",
                        "hello-world:v3.0": "3"}
        pods = [p for p in pods_of(kube, f"app={name}") if not deletion(p)]
        assert {p["metadata"]["labels"][HASH_LABEL] for p in pods} == \
            {rs1["metadata"]["labels"][HASH_LABEL]}
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")


def test_deleting_a_namespace_removes_its_workloads(kube):
    ns = "doomed"
    kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    try:
        d = deployment("web", replicas=3, stop=10)
        kube.create(d, namespace=ns)
        kube.create(job("batch", ["sleep", "600"], completions=1, parallelism=1), namespace=ns)
        sts = statefulset("db", 1)
        sts["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
        kube.create(sts, namespace=ns)
        wait_for(lambda: sum(1 for p in kube.list("pods", ns) if phase(p) == "Running") == 5,
                 timeout=90)
        kube.delete("namespaces", ns)
        wait_for(lambda: absent(kube, "namespaces", ns), timeout=120)
        for resource in ("pods", "deployments", "replicasets", "jobs", "statefulsets",
                         "persistentvolumeclaims"):
            assert not kube.list(resource, ns), resource
    finally:
        try:
            kube.delete("namespaces", ns)
        except ApiError as exc:
            if exc.code != 404:
                raise
        wait_for(lambda: absent(kube, "namespaces", ns), timeout=120)


# -- claims the scheduler must wait for ------------------------------------------------------

@pytest.mark.parametrize("case", ["unbound", "missing"])
def test_pod_with_unbound_claim_stays_pending(kube, case):
    claim = f"claim-{case}"
    pod_name = f"needs-{case}"
    if case == "unbound":
        # A class nobody provisions: the claim stays Pending.
        kube.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                     "metadata": {"name": claim},
                     "spec": {"storageClassName": "no-such-class",
                              "accessModes": ["ReadWriteOnce"],
                              "resources": {"requests": {"storage": "1Gi"}}}})
        time.sleep(1.0)
        assert kube.get("persistentvolumeclaims", claim)["status"].get("phase") == "Pending"
        want = "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    else:
        want = f'0/3 nodes are available: persistentvolumeclaim "{claim}" not found.'
    kube.create({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": pod_name, "labels": {"claim-test": case}},
                 "spec": {"containers": [{"name": "app", "image": "hello-world:v1.0",
                                          "volumeMounts": [{"name": "data",
                                                            "mountPath": "/data"}]}],
                          "volumes": [{"name": "data",
                                       "persistentVolumeClaim": {"claimName": claim}}]}})
    try:
        def decided():
            pod = kube.get("pods", pod_name)
            if pod["spec"].get("nodeName"):
                return ("scheduled", pod["spec"]["nodeName"], phase(pod))
            events = kube.list("events", field_selector=f"involvedObject.name={pod_name},"
                                                        "reason=FailedScheduling")
            return ("failed", events[0]["message"]) if events else None
        outcome = wait_for(decided, timeout=30)
        assert outcome[0] == "failed", f"the pod was scheduled anyway: {outcome}"
        assert outcome[1].startswith(want), outcome
        time.sleep(1.0)
        pod = kube.get("pods", pod_name)
        assert phase(pod) == "Pending" and not pod["spec"].get("nodeName")
        cond = {c["type"]: c for c in pod["status"]["conditions"]}["PodScheduled"]
        assert (cond["status"], cond["reason"]) == ("False", "Unschedulable")
    finally:
        kube.delete("pods", pod_name, grace_period_seconds=0)
        if case == "unbound":
            kube.delete("persistentvolumeclaims", claim)
        wait_for(lambda: absent(kube, "pods", pod_name), timeout=60)
        wait_for(lambda: absent(kube, "persistentvolumeclaims", claim), timeout=60)


# -- set-based selectors and the scale-down order -------------------------------------------

def test_replicaset_set_based_selector_and_deletion_order(kube):
    name = "setsel"
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
          "spec": {"replicas": 3,
                   "selector": {"matchExpressions": [
                       {"key": "app", "operator": "In", "values": [name]},
                       {"key": "canary", "operator": "DoesNotExist"}]},
                   "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                       {"name": "app", "image": "hello-world:v1.0"}]}}}}
    kube.create(rs)
    try:
        pods = wait_for(lambda: (lambda ps: ps if len(ps) == 3 and all(
            phase(p) == "Running" and ready(p) for p in ps) else None)(
            live(pods_of(kube, f"app={name}"))), timeout=60)
        running = {p["metadata"]["uid"] for p in pods}
        rs_uid = kube.get("replicasets", name)["metadata"]["uid"]
        # Not selected (canary exists): left alone.
        kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": f"{name}-canary", "labels": {"app": name, "canary": "yes"}},
            "spec": {"containers": [{"name": "app", "image": "hello-world:v1.0"}]}})
        # Selected, and unschedulable: adopted, and as the surplus pod that ranks first
        # (unscheduled before scheduled) it is the one deleted.
        kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": f"{name}-stray", "labels": {"app": name}},
            "spec": {"nodeSelector": {"nowhere": "true"},
                     "containers": [{"name": "app", "image": "hello-world:v1.0"}]}})
        wait_for(lambda: absent(kube, "pods", f"{name}-stray"), timeout=60)
        time.sleep(1.0)
        pods = live(pods_of(kube, f"app={name}"))
        owned = {p["metadata"]["uid"] for p in pods if rs_uid in
                 [r["uid"] for r in p["metadata"].get("ownerReferences") or []]}
        assert owned == running
        canary = kube.get("pods", f"{name}-canary")
        assert not canary["metadata"].get("ownerReferences") and not deletion(canary)

        # Scaling down removes the unscheduled pod first: with every node cordoned,
        # 3 -> 4 adds a Pending pod, and 4 -> 3 removes that one, not a running one.
        kube.patch("nodes", "node-1", {"spec": {"unschedulable": True}})
        kube.patch("nodes", "node-2", {"spec": {"unschedulable": True}})
        kube.patch("nodes", "node-3", {"spec": {"unschedulable": True}})
        try:
            kube.scale("replicasets", name, 4)
            wait_for(lambda: len(live(pods_of(kube, f"app={name}"))) == 5, timeout=30)
            kube.scale("replicasets", name, 3)
            wait_for(lambda: {p["metadata"]["uid"] for p in live(pods_of(kube, f"app={name}"))
                              if p["metadata"]["name"] != f"{name}-canary"} == running,
                     timeout=30)
        finally:
            for node in ("node-1", "node-2", "node-3"):
                kube.patch("nodes", node, {"spec": {"unschedulable": None}})
    finally:
        for n in (f"{name}-canary", f"{name}-stray"):
            try:
                kube.delete("pods", n, grace_period_seconds=0)
            except ApiError as exc:
                if exc.code != 404:
                    raise
        delete_and_wait_gone(kube, "replicasets", name, f"app={name}")


# -- StatefulSet: partition, OnDelete, Parallel -------------------------------------------

def test_statefulset_partition_and_parallel(kube):
    name = "parted"
    sts = statefulset(name, 3)
    sts["spec"]["podManagementPolicy"] = "Parallel"
    sts["spec"]["updateStrategy"] = {"type": "RollingUpdate",
                                     "rollingUpdate": {"partition": 2}}

    def members():
        return {p["metadata"]["name"]: p for p in pods_of(kube, f"app={name}")}

    def settled(want):
        pods = members()
        got = {n: image(p) for n, p in pods.items()
               if phase(p) == "Running" and ready(p) and not deletion(p)}
        return pods if got == want else None
    try:
        with Sampler(lambda: {n: ready(p) for n, p in members().items()}) as sampler:
            kube.create(sts)
            wait_for(lambda: settled({f"{name}-{i}": "hello-world:v1.0" for i in range(3)}),
                     timeout=90)
        # Parallel: every pod created without waiting for the lower ordinals to be Ready.
        assert any(len(s) == 3 and not any(s.values()) for s in sampler.samples), \
            sampler.samples

        kube.patch("statefulsets", name, {"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "hello-world:v2.0"}]}}}}, patch_type="strategic")
        want = {f"{name}-0": "hello-world:v1.0", f"{name}-1": "hello-world:v1.0",
                f"{name}-2": "hello-world:v2.0"}
        wait_for(lambda: settled(want), timeout=90)
        time.sleep(1.5)
        assert settled(want), members()                  # below the partition: untouched
        sts_now = kube.get("statefulsets", name)["status"]
        assert sts_now["updatedReplicas"] == 1 and sts_now["currentRevision"] != \
            sts_now["updateRevision"]

        kube.patch("statefulsets", name, {"spec": {"updateStrategy": {
            "rollingUpdate": {"partition": 0}}}})
        wait_for(lambda: settled({f"{name}-{i}": "hello-world:v2.0" for i in range(3)}),
                 timeout=90)
        # OnDelete: a template change touches nothing until a pod is deleted.
        kube.patch("statefulsets", name, {"spec": {"updateStrategy": {
            "type": "OnDelete", "rollingUpdate": None}}})
        kube.patch("statefulsets", name, {"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "hello-world:v3.0"}]}}}}, patch_type="strategic")
        time.sleep(1.5)
        assert settled({f"{name}-{i}": "hello-world:v2.0" for i in range(3)}), members()
        kube.delete("pods", f"{name}-1")
        wait_for(lambda: settled({f"{name}-0": "hello-world:v2.0",
                                  f"{name}-1": "hello-world:v3.0",
                                  f"{name}-2": "hello-world:v2.0"}), timeout=90)
    finally:
        try:
            kube.delete("statefulsets", name)
        except ApiError as exc:
            if exc.code != 404:
                raise
        wait_for(lambda: not pods_of(kube, f"app={name}"), timeout=90)


# -- things deleted from under a controller ---------------------------------------------------

def test_job_pod_deleted_while_running_counts_as_failed_and_is_replaced(kube):
    name = "deleted-pod"
    kube.create(job(name, ["sleep", "20"], completions=1))
    try:
        [pod] = wait_for(lambda: [p for p in pods_of(kube, f"job-test={name}")
                                  if phase(p) == "Running"], timeout=60)
        kube.delete("pods", pod["metadata"]["name"])
        j = wait_for(lambda: (lambda j: j if job_condition(j, "Complete") else None)(
            kube.get("jobs", name)), timeout=90)
        assert (j["status"].get("succeeded"), j["status"].get("failed")) == (1, 1)
        pods = pods_of(kube, f"job-test={name}")
        assert pod["metadata"]["uid"] not in {p["metadata"]["uid"] for p in pods}
        assert [phase(p) for p in pods] == ["Succeeded"]
    finally:
        delete_and_wait_gone(kube, "jobs", name, f"job-test={name}")


def test_deleted_replicaset_is_recreated_by_its_deployment(kube):
    name = "rs-reborn"
    kube.create(deployment(name, replicas=2))
    try:
        d = wait_for(lambda: rolled_out(kube, name, 2), timeout=60)
        [rs] = owned_rss(kube, d)
        old_pods = {p["metadata"]["uid"] for p in pods_of(kube, f"app={name}")}
        kube.delete("replicasets", rs["metadata"]["name"], propagation_policy="Background")

        def reborn():
            d = rolled_out(kube, name, 2)
            if d is None:
                return None
            rss = owned_rss(kube, d)
            pods = pods_of(kube, f"app={name}")
            return (rss, pods) if len(rss) == 1 and rss[0]["metadata"]["uid"] != \
                rs["metadata"]["uid"] and len(pods) == 2 else None
        [new], pods = wait_for(reborn, timeout=90)
        assert new["metadata"]["name"] == rs["metadata"]["name"]       # same template hash
        assert not old_pods & {p["metadata"]["uid"] for p in pods}
        assert all([r["uid"] for r in p["metadata"]["ownerReferences"]] ==
                   [new["metadata"]["uid"]] for p in pods)
        assert revision(new) == "1"      # no other ReplicaSet left: max(none) + 1
    finally:
        delete_and_wait_gone(kube, "deployments", name, f"app={name}")

"""The Deployment controller's arithmetic: hashes, fenceposts, rolling updates
sampled step by step, and proportional scaling mid-rollout."""

import pytest

from rayk8s.controllers import base
from rayk8s.controllers import rollout as ro

from .deployment_world import (NOW, World, deployment, kinds_of, messages, replicaset,
                               template)


# -- template hash -----------------------------------------------------------------

def test_safe_encode_uses_kubernetes_alphabet():
    assert ro.safe_encode("0123456789") == "456789bcdf"


def test_template_hash_is_stable_and_canonical():
    t = template("hello-world:v1.0")
    h = ro.template_hash(t)
    assert h == ro.template_hash(template("hello-world:v1.0"))
    assert set(h) <= set("456789bcdf") and 6 <= len(h) <= 10
    reordered = {"spec": t["spec"], "metadata": {"creationTimestamp": None, **t["metadata"]}}
    assert ro.template_hash(reordered) == h          # key order and nulls do not matter
    assert ro.template_hash(template("hello-world:v2.0")) != h
    assert ro.template_hash(t, 1) != h != ro.template_hash(t, 0)


def test_equal_ignore_hash_tolerates_what_kubectl_undo_sends():
    rs_template = ro.new_replicaset(deployment(), None)["spec"]["template"]
    undo = template()
    undo["metadata"]["creationTimestamp"] = None
    undo["spec"]["containers"][0]["resources"] = {}
    assert ro.equal_ignore_hash(rs_template, undo)
    assert not ro.equal_ignore_hash(rs_template, template("hello-world:v2.0"))


def test_new_replicaset_name_labels_selector_owner():
    d = deployment()
    rs = ro.new_replicaset(d, None)
    h = ro.template_hash(d["spec"]["template"])
    assert rs["metadata"]["name"] == f"web-{h}"
    assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": h}
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": h}}
    assert rs["spec"]["template"]["metadata"]["labels"] == rs["metadata"]["labels"]
    assert d["spec"]["template"]["metadata"]["labels"] == {"app": "web"}  # not mutated
    [ref] = rs["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == \
        ("Deployment", "web", "d-uid", True)


# -- maxSurge / maxUnavailable ---------------------------------------------------------

@pytest.mark.parametrize("replicas,surge,unavailable,expected", [
    (10, "25%", "25%", (3, 2)),      # surge rounds up, unavailable down
    (3, "25%", "25%", (1, 0)),
    (1, "25%", "25%", (1, 0)),
    (5, "30%", "30%", (2, 1)),
    (10, "0%", "0%", (0, 1)),        # both zero: one may be unavailable
    (1, 0, "1%", (0, 1)),
    (10, 2, 3, (2, 3)),
    (4, "50%", 0, (2, 0)),
])
def test_resolve_fenceposts(replicas, surge, unavailable, expected):
    assert ro.resolve_fenceposts(surge, unavailable, replicas) == expected


def test_max_unavailable_never_exceeds_replicas_and_recreate_has_none():
    assert ro.max_unavailable(deployment(replicas=2, surge=0, unavailable=5)) == 2
    assert ro.max_unavailable(deployment(strategy="Recreate")) == 0
    assert ro.max_surge(deployment(strategy="Recreate")) == 0


# -- rolling update, sampled --------------------------------------------------------------

def test_first_step_of_a_rolling_update():
    d = deployment(replicas=10, image="hello-world:v2.0", generation=2, revision=1)
    old = replicaset(d, "hello-world:v1.0", 10)
    w = World(d, [old])
    actions = w.sync()
    [create] = kinds_of(actions, base.Create)
    new_name = create.obj["metadata"]["name"]
    assert create.obj["spec"]["replicas"] == 3                  # 10 + maxSurge 3 in all
    assert create.obj["metadata"]["annotations"][ro.REVISION] == "2"
    [update] = [a for a in kinds_of(actions, base.Update) if not a.subresource]
    assert update.obj["spec"]["replicas"] == 8                  # 10 - maxUnavailable 2
    assert messages(actions) == [f"Scaled up replica set {new_name} to 3",
                                 f"Scaled down replica set {old['metadata']['name']} to 8 from 10"]


@pytest.mark.parametrize("replicas,surge,unavailable,per_rs", [
    (10, "25%", "25%", None),
    (10, "25%", "25%", 1),
    (10, 0, 1, None),
    (10, 1, 0, 1),
    (3, "25%", "25%", None),
    (1, 0, "1%", None),
    (5, "30%", "30%", 2),
    (4, "50%", 0, 1),
])
def test_rolling_update_keeps_within_surge_and_availability(replicas, surge, unavailable,
                                                            per_rs):
    w = World(deployment(replicas=replicas, surge=surge, unavailable=unavailable))
    now = NOW
    for _ in range(20):                       # the initial rollout
        w.sync(now)
        w.rs_step()
        w.kubelet_step()
        now += 1
    w.sync(now)
    assert w.complete() and w.d["metadata"]["annotations"][ro.REVISION] == "1"

    w.change(template=template("hello-world:v2.0"))
    max_surge, max_unavailable = ro.resolve_fenceposts(surge, unavailable, replicas)
    max_unavailable = min(max_unavailable, replicas)

    def check():
        specs, pods, available = w.totals()
        assert specs <= replicas + max_surge and pods <= replicas + max_surge
        assert available >= replicas - max_unavailable

    for step in range(200):
        now += 1
        w.sync(now)
        check()
        w.rs_step()
        check()
        w.sync(now)
        check()
        w.kubelet_step(per_rs)
        check()
        if w.complete():
            break
    else:
        pytest.fail("the rollout did not finish")
    w.sync(now + 1)
    old, new = w.rs_list()
    assert ro.spec_replicas(old) == 0 and ro.spec_replicas(new) == replicas
    assert new["metadata"]["annotations"][ro.REVISION] == "2"
    assert w.d["metadata"]["annotations"][ro.REVISION] == "2"
    progressing = [c for c in w.d["status"]["conditions"] if c["type"] == "Progressing"]
    assert progressing[0]["reason"] == "NewReplicaSetAvailable"


# -- proportional scaling -----------------------------------------------------------------

@pytest.mark.parametrize("old_size,new_size,scale_to,expected", [
    (8, 5, 15, (12, 7)),      # 13 of max 13 -> 19 of max 19, in proportion
    (8, 5, 5, (4, 3)),        # and down to 5 + 2 surge
    (6, 4, 15, (13, 6)),      # 10 of max 13: the rounding leftover goes to the largest
])
def test_proportional_scaling_mid_rollout(old_size, new_size, scale_to, expected):
    d = deployment(replicas=10, image="hello-world:v2.0", generation=2, revision=2)
    old = replicaset(d, "hello-world:v1.0", old_size, revision=1)
    new = replicaset(d, "hello-world:v2.0", new_size, available=0, revision=2,
                     created="2023-11-14T21:00:00Z")
    d["spec"]["replicas"] = scale_to
    d["metadata"]["generation"] = 3
    w = World(d, [old, new])
    actions = w.sync()
    sizes = {a.obj["metadata"]["name"]: a.obj["spec"]["replicas"]
             for a in kinds_of(actions, base.Update) if not a.subresource}
    assert (sizes[old["metadata"]["name"]], sizes[new["metadata"]["name"]]) == expected
    surge = ro.max_surge(d)
    for a in kinds_of(actions, base.Update):
        if not a.subresource:
            assert a.obj["metadata"]["annotations"][ro.DESIRED_REPLICAS] == str(scale_to)
            assert a.obj["metadata"]["annotations"][ro.MAX_REPLICAS] == str(scale_to + surge)
    way = "up" if scale_to > 10 else "down"
    assert f"Scaled {way} replica set {new['metadata']['name']} to {expected[1]} " \
           f"from {new_size}" in messages(actions)
    assert not kinds_of(actions, base.Create)


def test_scaling_a_single_replicaset_is_not_a_rollout():
    d = deployment(replicas=4, revision=1)
    rs = replicaset(deployment(replicas=1), "hello-world:v1.0", 1)
    actions = World(d, [rs]).sync()
    [update] = [a for a in kinds_of(actions, base.Update) if not a.subresource]
    assert update.obj["spec"]["replicas"] == 4
    assert update.obj["metadata"]["annotations"][ro.DESIRED_REPLICAS] == "4"
    assert messages(actions) == [f"Scaled up replica set {rs['metadata']['name']} to 4 from 1"]

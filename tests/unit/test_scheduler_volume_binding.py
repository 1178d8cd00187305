import pytest

from rayk8s.machinery import Cache
from rayk8s.scheduler import framework as fw
from rayk8s.scheduler.nodeinfo import PodInfo
from rayk8s.scheduler.plugins import VolumeBinding


def pod(*claims):
    return {"metadata": {"name": "p", "namespace": "default"},
            "spec": {"containers": [{"name": "c"}],
                     "volumes": [{"name": c, "persistentVolumeClaim": {"claimName": c}}
                                 for c in claims]}}


def claim(name, bound=True, deleting=False):
    obj = {"metadata": {"name": name, "namespace": "default"}, "spec": {},
           "status": {"phase": "Bound" if bound else "Pending"}}
    if bound:
        obj["spec"]["volumeName"] = f"pv-{name}"
    if deleting:
        obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return obj


def state_with(*claims):
    cache = Cache()
    for c in claims:
        cache.add(c)
    state = fw.CycleState(PodInfo(pod()))
    state.listers = {"persistentvolumeclaims": cache}
    return state


@pytest.mark.parametrize("claims,the_pod,expected", [
    ([claim("a")], pod("a"), None),
    ([], pod("a"), 'persistentvolumeclaim "a" not found'),
    ([claim("a", bound=False)], pod("a"), "pod has unbound immediate PersistentVolumeClaims"),
    ([claim("a", deleting=True)], pod("a"), 'persistentvolumeclaim "a" is being deleted'),
    ([claim("a"), claim("b", bound=False)], pod("a", "b"),
     "pod has unbound immediate PersistentVolumeClaims"),
])
def test_claims_must_exist_and_be_bound(claims, the_pod, expected):
    status = VolumeBinding().pre_filter(state_with(*claims), the_pod)
    if expected is None:
        assert status is None
    else:
        assert status.code == fw.UNSCHEDULABLE_AND_UNRESOLVABLE and status.reasons == [expected]


def test_pods_without_claims_skip_the_plugin():
    assert VolumeBinding().pre_filter(state_with(), pod()).code == fw.SKIP

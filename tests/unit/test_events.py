import asyncio

from rayk8s.client import AsyncClient
from rayk8s.machinery.events import WARNING, EventRecorder


def test_events_are_recorded_and_repeats_aggregated(kube, clock):
    pod = kube.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": [{"name": "c", "image": "busybox"}]}})

    async def record():
        rec = EventRecorder(AsyncClient(kube.transport), "kubelet", host="node-1", clock=clock)
        await rec.event(pod, WARNING, "BackOff", "Back-off restarting failed container")
        clock.advance(5)
        await rec.event(pod, WARNING, "BackOff", "Back-off restarting failed container")
        await rec.event(pod, "Normal", "Pulled", "Successfully pulled image")

    asyncio.run(record())
    uid = pod["metadata"]["uid"]
    events = kube.list("events", field_selector=f"involvedObject.name=p,involvedObject.uid={uid}")
    by_reason = {e["reason"]: e for e in events}
    assert set(by_reason) == {"BackOff", "Pulled"}
    backoff = by_reason["BackOff"]
    assert backoff["count"] == 2 and backoff["type"] == "Warning"
    assert backoff["source"] == {"component": "kubelet", "host": "node-1"}
    assert backoff["involvedObject"]["kind"] == "Pod"
    assert backoff["lastTimestamp"] > backoff["firstTimestamp"]

"""Restart and image-pull back-off, as kubelet's ``flowcontrol.Backoff``.

A back-off *entry* is a value: the current delay and when it was last moved.
The kubelet keeps one per (pod, container) for crash loops and one per
(pod, image) for failed pulls, in each pod's memo; these functions are pure.

Semantics (kubelet's defaults): the first failure of a key is retried at once
and arms a 10 s delay; each later retry doubles it, up to 5 minutes.  An entry
untouched for twice the maximum (10 minutes) has *expired*: a container that
ran that long before failing starts again from 10 s.

- Crash loops ask :func:`in_backoff_since` with the container's ``finishedAt``:
  "has less than the delay passed since the container died?"
- Image pulls ask :func:`in_backoff_since_update` with now: "has less than the
  delay passed since the last failed pull?"
"""

from __future__ import annotations

from typing import NamedTuple

INITIAL = 10.0
MAXIMUM = 300.0


class Entry(NamedTuple):
    """One key's back-off: ``delay`` seconds, last moved at ``last_update``."""

    delay: float
    last_update: float


def expired(entry: Entry, event_time: float, maximum: float = MAXIMUM) -> bool:
    """True when ``event_time`` is more than twice the maximum after the last move."""
    return event_time - entry.last_update > 2 * maximum


def next_entry(entry: Entry | None, now: float, initial: float = INITIAL,
               maximum: float = MAXIMUM) -> Entry:
    """The entry after one more retry at ``now`` (``Backoff.Next``)."""
    if entry is None or expired(entry, now, maximum):
        return Entry(initial, now)
    return Entry(min(entry.delay * 2, maximum), now)


def in_backoff_since(entry: Entry | None, event_time: float, now: float,
                     maximum: float = MAXIMUM) -> bool:
    """``Backoff.IsInBackOffSince``: less than the delay has passed since ``event_time``."""
    if entry is None or expired(event_time=event_time, entry=entry, maximum=maximum):
        return False
    return now - event_time < entry.delay


def in_backoff_since_update(entry: Entry | None, now: float,
                            maximum: float = MAXIMUM) -> bool:
    """``Backoff.IsInBackOffSinceUpdate``: less than the delay since the last move."""
    if entry is None or expired(entry, now, maximum):
        return False
    return now - entry.last_update < entry.delay


def go_duration(seconds: float) -> str:
    """Seconds in Go's ``time.Duration.String`` form: ``10s``, ``2m40s``, ``5m0s``, ``200ms``."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        ms = round(seconds * 1000, 3)
        return f"{ms:g}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    secs_text = f"{round(secs, 9):g}s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{secs_text}"
    if minutes:
        return f"{int(minutes)}m{secs_text}"
    return secs_text

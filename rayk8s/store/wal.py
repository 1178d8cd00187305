"""Durability for the MVCC store: a write-ahead log plus snapshots.

The store logs each acknowledged change *before* applying it and returns only
after the record reached the OS (``write(2)``; with ``fsync=True`` also the
disk).  Every ``snapshot_every`` records the whole state is written as a
snapshot and the log restarts in a fresh segment, so recovery reads at most
one snapshot and ``snapshot_every`` records.

Files in ``data_dir``
    ``wal-<seq>.log``    a log segment (``seq``: 16 decimal digits)
    ``snap-<seq>.snap``  the state before segment ``seq``
    ``*.tmp``            a snapshot being written; ignored and removed

    Recovery loads the newest snapshot (``seq`` S; none = empty store) and
    replays every segment with seq >= S in order; older files are leftovers of
    an interrupted rotation and are deleted.

A segment is the 8-byte magic ``RK8SWAL1`` followed by frames.  A snapshot
file is the magic ``RK8SSNP1`` followed by exactly one frame.  A frame is::

    u32 length       payload size in bytes (little endian, > 0)
    u32 crc          CRC-32 of the payload
    u32 header_crc   CRC-32 of the 8 bytes above (so a bad length is caught)
    payload          one msgpack value (bin type for bytes, str for text)

A write interrupted by a crash can only damage the end of the last segment.
So a frame that does not check (short, bad CRC, undecodable) is a *torn tail*
when no valid frame follows it: it is dropped and the file truncated at its
start.  A bad frame followed by a valid one is corruption:
:class:`WALCorrupted` is raised and nothing is truncated.

Records (msgpack arrays; ``kind`` first)
    ``[1, rev, [[key, value, lease], ...]]``  WRITE: the mutations committed at
        ``rev`` in op order; ``value`` nil = delete.  Versions and create
        revisions are not logged: replay recomputes them.
    ``[2, lease_id, ttl]``                    LEASE_GRANT
    ``[3, lease_id, rev, [key, ...]]``        LEASE_REVOKE: deletes ``keys``
        at ``rev`` (``rev`` unchanged when there were none)
    ``[4, rev]``                              COMPACT
    Keep-alives are not logged: a recovered lease's deadline restarts at
    now + ttl, as etcd refreshes every lease when a new leader takes over.

Snapshot payload (a msgpack map)
    ``format``: 1; ``revision``; ``compact_revision``; ``next_lease_id``;
    ``leases``: ``[[id, ttl, remaining_ttl], ...]``;
    ``base``: ``[[key, value, create_rev, mod_rev, version, lease], ...]``,
        each live key's value just before the retained history starts (older
        than the compact revision);
    ``writes``: ``[[rev, [[key, value, lease], ...]], ...]``, the history since
        the compact revision as WRITE records.  Loading sets ``base``, replays
        ``writes`` and compacts again at the compact revision, which restores
        per-key history and the event log (with ``prev_kv``) exactly.

Snapshots are written atomically: a temp file, fsync, rename, fsync of the
directory.  Not thread-safe: the store serialises calls under its lock.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib

import msgpack

from .contract import StoreError

log = logging.getLogger(__name__)

WRITE, LEASE_GRANT, LEASE_REVOKE, COMPACT = 1, 2, 3, 4

WAL_MAGIC = b"RK8SWAL1"
SNAP_MAGIC = b"RK8SSNP1"
_HEAD = struct.Struct("<II")
_HEADER_SIZE = 12


class WALCorrupted(StoreError):
    """The log or a snapshot is damaged somewhere other than a torn tail."""


def encode_frame(record) -> bytes:
    payload = msgpack.packb(record, use_bin_type=True)
    head = _HEAD.pack(len(payload), zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload


def decode_frame(buf: memoryview, pos: int):
    """``(record, end)`` for a valid frame at ``pos``, else None."""
    if len(buf) - pos < _HEADER_SIZE:
        return None
    length, crc = _HEAD.unpack_from(buf, pos)
    (head_crc,) = struct.unpack_from("<I", buf, pos + 8)
    if zlib.crc32(buf[pos:pos + 8]) != head_crc or length == 0:
        return None
    end = pos + _HEADER_SIZE + length
    if end > len(buf):
        return None
    payload = buf[pos + _HEADER_SIZE:end]
    if zlib.crc32(payload) != crc:
        return None
    try:
        return msgpack.unpackb(payload, raw=False), end
    except Exception:  # noqa: BLE001 - any decoding failure is a bad frame
        return None


def read_frames(buf: bytes, start: int, name: str = "") -> tuple[list, int, bool]:
    """Decode frames from ``start``: (records, end of the last good one, torn?).

    Raises WALCorrupted when a bad frame is followed by a valid one.
    """
    view = memoryview(buf)
    pos, records = start, []
    while pos < len(view):
        frame = decode_frame(view, pos)
        if frame is None:
            for q in range(pos + 1, len(view) - _HEADER_SIZE + 1):
                if decode_frame(view, q) is not None:
                    raise WALCorrupted(f"{name}: bad record at offset {pos} "
                                       f"followed by a valid one at {q}")
            return records, pos, True
        records.append(frame[0])
        pos = frame[1]
    return records, pos, False


def _seq_files(data_dir: str, prefix: str, suffix: str) -> list[int]:
    seqs = []
    for name in os.listdir(data_dir):
        if name.startswith(prefix) and name.endswith(suffix):
            middle = name[len(prefix):-len(suffix)]
            if middle.isdigit():
                seqs.append(int(middle))
    return sorted(seqs)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WAL:
    """The log and snapshots of one store in ``data_dir``."""

    def __init__(self, data_dir: str, snapshot_every: int = 10_000, fsync: bool = False):
        self.data_dir = os.fspath(data_dir)
        # 0 or less: never snapshot on count (``write_snapshot`` still works).
        self.snapshot_every = snapshot_every
        self.fsync = fsync
        self._file = None
        self._seq = 0
        # Records in the log since the last snapshot (what recovery would replay).
        self._records = 0
        os.makedirs(self.data_dir, exist_ok=True)

    def _path(self, kind: str, seq: int) -> str:
        ext = "log" if kind == "wal" else "snap"
        return os.path.join(self.data_dir, f"{kind}-{seq:016d}.{ext}")

    # -- recovery -----------------------------------------------------------

    def recover(self) -> tuple[dict | None, list]:
        """Load the newest snapshot and the records after it; open the log.

        Truncates a torn tail; raises WALCorrupted on any other damage.
        """
        for name in os.listdir(self.data_dir):
            if name.endswith(".tmp"):
                os.unlink(os.path.join(self.data_dir, name))
        snaps = _seq_files(self.data_dir, "snap-", ".snap")
        base_seq = snaps[-1] if snaps else 0
        snapshot = self._load_snapshot(self._path("snap", base_seq)) if snaps else None
        segs = [s for s in _seq_files(self.data_dir, "wal-", ".log") if s >= base_seq]
        records: list = []
        for i, seq in enumerate(segs):
            records.extend(self._read_segment(seq, last=i == len(segs) - 1))
        self._records = len(records)
        if segs:
            self._seq = segs[-1]
            self._file = open(self._path("wal", self._seq), "ab", buffering=0)
        else:
            self._open_segment(base_seq)
        self._remove_older(base_seq)
        return snapshot, records

    def _load_snapshot(self, path: str) -> dict:
        with open(path, "rb") as f:
            buf = f.read()
        frame = decode_frame(memoryview(buf), len(SNAP_MAGIC))
        if not buf.startswith(SNAP_MAGIC) or frame is None or frame[1] != len(buf) \
                or not isinstance(frame[0], dict):
            raise WALCorrupted(f"{path}: damaged snapshot")
        return frame[0]

    def _read_segment(self, seq: int, last: bool) -> list:
        path = self._path("wal", seq)
        with open(path, "rb") as f:
            buf = f.read()
        if len(buf) < len(WAL_MAGIC) and last and WAL_MAGIC.startswith(buf):
            # Torn while being created: start it again.
            with open(path, "wb") as f:
                f.write(WAL_MAGIC)
            return []
        if not buf.startswith(WAL_MAGIC):
            raise WALCorrupted(f"{path}: not a WAL segment")
        records, end, torn = read_frames(buf, len(WAL_MAGIC), path)
        if torn:
            if not last:
                raise WALCorrupted(f"{path}: damaged record at offset {end} "
                                   "in a segment that is not the last")
            log.warning("%s: dropping a torn tail of %d bytes at offset %d",
                        path, len(buf) - end, end)
            os.truncate(path, end)
        return records

    # -- writing ------------------------------------------------------------

    @property
    def snapshot_due(self) -> bool:
        return self.snapshot_every > 0 and self._records >= self.snapshot_every

    def append(self, record) -> None:
        if self._file is None:
            raise StoreError("the WAL is not open")
        data = memoryview(encode_frame(record))
        while data:
            written = self._file.write(data)
            data = data[written:]
        if self.fsync:
            os.fsync(self._file.fileno())
        self._records += 1

    def write_snapshot(self, state: dict) -> None:
        """Persist ``state`` atomically, then continue in a fresh segment."""
        seq = self._seq + 1
        path = self._path("snap", seq)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(SNAP_MAGIC + encode_frame(state))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(self.data_dir)
        self.close()
        self._open_segment(seq)
        self._records = 0
        self._remove_older(seq)

    def _open_segment(self, seq: int) -> None:
        path = self._path("wal", seq)
        with open(path, "wb") as f:
            f.write(WAL_MAGIC)
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())
        if self.fsync:
            _fsync_dir(self.data_dir)
        self._seq = seq
        self._file = open(path, "ab", buffering=0)

    def _remove_older(self, seq: int) -> None:
        for old in _seq_files(self.data_dir, "wal-", ".log"):
            if old < seq:
                os.unlink(self._path("wal", old))
        for old in _seq_files(self.data_dir, "snap-", ".snap"):
            if old < seq:
                os.unlink(self._path("snap", old))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

"""One writer per (store, run, rank): the owner record of a rank group.

A writer takes ownership of ``<run>/rank-<r>`` before it touches the store by creating
``<run>/owner-rank-<r>/zarr.json`` exclusively.  The file is a Zarr group node (so listing the run shows a group,
not an unknown object) whose ``provenance_owner`` attribute names the process (pid, host, boot id, pid namespace,
process start time), a unique token, the start time and a heartbeat time that the writer thread refreshes every
``heartbeat_s``.  ``close`` deletes it; a crash leaves it behind, and the next writer takes over once the owner is
provably gone:

* same machine (host name, boot id and pid namespace all equal) and the pid is not running, is a zombie, or runs
  another program (its start time differs): the process that owned the group has died;
* the heartbeat is older than ``STALE_HEARTBEATS`` heartbeat periods (the owner's own period, from its record):
  the only test possible across hosts.  Twelve periods (120 s at the default 10 s) leave room for a writer thread
  held up by one slow whole-shard write to object storage and for a few seconds of clock skew between hosts, while
  a crashed run on another node is taken over within two minutes.

Exclusive creation is atomic on local paths (a hard link of a fully written temporary file: the record is never
seen half-written), in ``memory://`` stores (one process; a process-wide lock serialises acquisition), and on S3
through s3fs >= 2025.7 (``If-None-Match`` conditional writes).  Other fsspec backends cannot create a file
exclusively: there the writer writes its record, waits ``SETTLE_S`` and re-reads it, and a warning at setup names
the backend, because two writers whose write-then-check windows overlap (store latency above ``SETTLE_S``) could
both proceed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from provenance.errors import StoreLockedError
from provenance.store.schema import RANK_PREFIX

log = logging.getLogger(__name__)

OWNER_ATTR = "provenance_owner"
OWNER_PREFIX = "owner-"
HEARTBEAT_S = 10.0
STALE_HEARTBEATS = 12
SETTLE_S = 1.0
_PARSE_RETRY_S = 1.0  # a record being written by a non-atomic backend may be briefly unreadable

# Acquisition within one process is serialised: it makes memory:// (visible to this process only) atomic and keeps
# two threads of one process from racing on any backend.
_ACQUIRE_LOCK = threading.Lock()
_HELD_TOKENS: set[str] = set()  # tokens owned by open writers of this process


def owner_key(run: str, rank: int) -> str:
    """Store key of the owner record of ``<run>/rank-<rank>`` (a sibling of the rank group, never inside it, so
    that ``overwrite=True`` recreating the group keeps the record)."""
    return f"{run}/{OWNER_PREFIX}{RANK_PREFIX}{int(rank)}/zarr.json"


# ---- who is this process --------------------------------------------------------------------------------------

def _read_text(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _boot_id() -> str | None:
    return _read_text("/proc/sys/kernel/random/boot_id")


def _pid_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks since boot) of ``pid`` from /proc, None without /proc or process."""
    text = _read_text(f"/proc/{int(pid)}/stat")
    if text is None:
        return None
    fields = text[text.rfind(")") + 2:].split()  # the command name may hold spaces and parentheses
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def _pid_running(pid: int) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OSError:
        return True  # cannot tell: never declare a live owner dead on a guess
    return True


@dataclass(frozen=True)
class OwnerRecord:
    """What a writer records about itself in its owner record."""

    token: str
    pid: int
    host: str
    boot_id: str | None
    pid_namespace: str | None
    proc_start: int | None
    started_unix: float
    heartbeat_unix: float
    heartbeat_s: float

    @classmethod
    def of_this_process(cls, heartbeat_s: float) -> OwnerRecord:
        now = time.time()
        stat = _proc_stat(os.getpid())
        return cls(token=uuid.uuid4().hex, pid=os.getpid(), host=socket.gethostname(), boot_id=_boot_id(),
                   pid_namespace=_pid_namespace(), proc_start=stat[1] if stat else None, started_unix=now,
                   heartbeat_unix=now, heartbeat_s=float(heartbeat_s))

    def beat(self) -> OwnerRecord:
        return OwnerRecord(**{**asdict(self), "heartbeat_unix": time.time()})

    @property
    def stale_after_s(self) -> float:
        return self.heartbeat_s * STALE_HEARTBEATS

    def encode(self) -> bytes:
        node = {"zarr_format": 3, "node_type": "group", "attributes": {OWNER_ATTR: asdict(self)}}
        return json.dumps(node, indent=2).encode()

    @classmethod
    def decode(cls, data: bytes) -> OwnerRecord:
        """Raises ValueError (or a subclass) when ``data`` is not an owner record."""
        meta = json.loads(data.decode())["attributes"][OWNER_ATTR]
        return cls(token=str(meta["token"]), pid=int(meta["pid"]), host=str(meta["host"]),
                   boot_id=meta.get("boot_id"), pid_namespace=meta.get("pid_namespace"),
                   proc_start=meta.get("proc_start"), started_unix=float(meta["started_unix"]),
                   heartbeat_unix=float(meta["heartbeat_unix"]), heartbeat_s=float(meta["heartbeat_s"]))

    def describe(self, now: float | None = None) -> str:
        now = time.time() if now is None else now
        since = datetime.fromtimestamp(self.started_unix, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return (f"pid {self.pid} on host {self.host!r}, writing since {since}, last heartbeat "
                f"{max(0.0, now - self.heartbeat_unix):.0f} s ago")

    def same_machine(self) -> bool:
        """True when pids of the record can be checked from here (same host, boot and pid namespace)."""
        if self.host != socket.gethostname():
            return False
        here_boot, here_ns = _boot_id(), _pid_namespace()
        if self.boot_id and here_boot and self.boot_id != here_boot:
            return False
        return not (self.pid_namespace and here_ns and self.pid_namespace != here_ns)

    def gone_because(self, now: float | None = None) -> str | None:
        """Why the owner is provably gone, or None when it may still be writing."""
        now = time.time() if now is None else now
        if self.host == socket.gethostname() and self.boot_id and _boot_id() and self.boot_id != _boot_id():
            return f"host {self.host!r} has rebooted since pid {self.pid} took ownership"
        if self.same_machine():
            if self.pid == os.getpid():
                if self.token not in _HELD_TOKENS:
                    return "its writer in this process is no longer open"
            elif not _pid_running(self.pid):
                return f"process {self.pid} is no longer running on this host"
            else:
                stat = _proc_stat(self.pid)
                if stat is not None and stat[0] in ("Z", "X"):
                    return f"process {self.pid} has exited (zombie)"
                if stat is not None and self.proc_start is not None and stat[1] != self.proc_start:
                    return f"pid {self.pid} now belongs to another process"
        age = now - self.heartbeat_unix
        if age > self.stale_after_s:
            return f"no heartbeat for {age:.0f} s (gone after {self.stale_after_s:.0f} s without one)"
        return None


# ---- where the record lives -----------------------------------------------------------------------------------

class _LocalFiles:
    """Owner records on a local filesystem: atomic exclusive create (link) and replace (rename)."""

    atomic = True
    name = "local filesystem"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def describe(self, key: str) -> str:
        return str(self.root / key)

    def _tmp(self, path: Path, data: bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return tmp

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None

    def create(self, key: str, data: bytes) -> bool:
        path = self.root / key
        for _ in range(3):  # a release may remove the directory, or the temporary, between mkdir and link
            tmp = None
            try:
                tmp = self._tmp(path, data)
                os.link(tmp, path)
                return True
            except FileExistsError:
                return False
            except FileNotFoundError:
                continue
            finally:
                if tmp is not None:
                    tmp.unlink(missing_ok=True)
        raise StoreLockedError(f"{path}: the owner record's directory keeps disappearing; retry")

    def replace(self, key: str, data: bytes) -> None:
        path = self.root / key
        os.replace(self._tmp(path, data), path)

    def take_over(self, key: str, seen: bytes, data: bytes) -> bool:
        """Replace the record ``seen`` by ``data``; False when another writer changed it first."""
        path = self.root / key
        aside = path.with_name(f".{path.name}.{uuid.uuid4().hex}.old")
        try:
            os.rename(path, aside)  # atomic: of several writers taking over, one moves the record away
        except FileNotFoundError:
            return False
        try:
            if aside.read_bytes() != seen:  # another writer took over first: put its record back
                with contextlib.suppress(FileExistsError):
                    os.link(aside, path)
                return False
        except FileNotFoundError:  # removed by a release in between: start again
            return False
        finally:
            aside.unlink(missing_ok=True)
        return self.create(key, data)

    def delete(self, key: str) -> None:
        path = self.root / key
        path.unlink(missing_ok=True)
        for stray in path.parent.glob(f".{path.name}.*"):  # temporaries of a writer killed mid-heartbeat
            stray.unlink(missing_ok=True)
        for parent in (path.parent, path.parent.parent):  # the owner node, then the run folder if it holds nothing
            try:
                parent.rmdir()
            except OSError:
                break


class _FsspecFiles:
    """Owner records on an fsspec filesystem; exclusive create where the backend supports it."""

    def __init__(self, fs, root: str) -> None:
        self.fs, self.root = fs, root.rstrip("/")
        self.name = type(fs).__name__
        protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
        self.serialised = "memory" in protocols  # visible to this process only, where _ACQUIRE_LOCK serialises
        self.atomic = self.serialised or _exclusive_create_supported(fs)

    def describe(self, key: str) -> str:
        protocol = self.fs.protocol[0] if isinstance(self.fs.protocol, (tuple, list)) else self.fs.protocol
        return f"{protocol}://{self.root.split('://')[-1]}/{key}"

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def read(self, key: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._path(key))
        except FileNotFoundError:
            return None

    def create(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        if self.atomic:
            try:
                with self.fs.open(path, "xb") as f:
                    f.write(data)
                return True
            except FileExistsError:
                return False
        if self.fs.exists(path):
            return False
        self.fs.pipe_file(path, data)
        return self._settled(key, data)

    def _settled(self, key: str, data: bytes) -> bool:
        """Without an exclusive create: a concurrent writer's record written within SETTLE_S replaces ours."""
        time.sleep(SETTLE_S)
        return self.read(key) == data

    def replace(self, key: str, data: bytes) -> None:
        self.fs.pipe_file(self._path(key), data)

    def take_over(self, key: str, seen: bytes, data: bytes) -> bool:
        """Delete, then create: not atomic on object stores, so confirmed by a re-read after SETTLE_S (a
        non-exclusive create confirms itself; memory:// needs no confirmation)."""
        if self.read(key) != seen:
            return False
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self._path(key))
        if not self.create(key, data):
            return False
        return self.serialised or not self.atomic or self._settled(key, data)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            self.fs.rm_file(path)
        except FileNotFoundError:
            pass
        try:  # pseudo-directories of filesystems that keep them (memory://): no empty node left in a listing
            self.fs.rmdir(path.rsplit("/", 1)[0])
        except (OSError, NotImplementedError, ValueError):
            pass


def _exclusive_create_supported(fs) -> bool:
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if "s3" in protocols or "s3a" in protocols:
        try:
            import s3fs
            major, minor = (int(p) for p in s3fs.__version__.split(".")[:2])
        except (ImportError, ValueError, AttributeError):
            return False
        return (major, minor) >= (2025, 7)  # If-None-Match on small single-part writes (s3fs PR #974)
    return False


def files_of(store) -> _LocalFiles | _FsspecFiles:
    """Where the owner records of a Zarr store live: beside its nodes, through the same filesystem."""
    import zarr

    if isinstance(store, zarr.storage.LocalStore):
        return _LocalFiles(store.root)
    fs = store.fs
    sync_fs = getattr(fs, "sync_fs", None)  # zarr wraps synchronous filesystems (memory, local) in an async one
    if sync_fs is not None:
        fs = sync_fs
    elif getattr(fs, "asynchronous", False):
        import fsspec

        fs = fsspec.filesystem(fs.protocol[0] if isinstance(fs.protocol, (tuple, list)) else fs.protocol,
                               **{**fs.storage_options, "asynchronous": False})
    protocols = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    if "file" in protocols or "local" in protocols:
        return _LocalFiles(store.path)
    return _FsspecFiles(fs, store.path)


# ---- taking, keeping and giving back ownership ----------------------------------------------------------------

class Ownership:
    """A writer's ownership of one rank group, from ``acquire`` to ``release``."""

    def __init__(self, files, key: str, record: OwnerRecord, label: str,
                 previous: OwnerRecord | None, previous_gone: str | None) -> None:
        self.files, self.key, self.record, self.label = files, key, record, label
        self.previous, self.previous_gone = previous, previous_gone  # the record taken over, and why
        self._released = False

    @property
    def took_over_crashed(self) -> bool:
        """The previous owner left its record behind and is provably gone (it crashed)."""
        return self.previous is not None and self.previous_gone is not None

    def _current(self) -> OwnerRecord | None:
        data = self.files.read(self.key)
        if data is None:
            return None
        try:
            return OwnerRecord.decode(data)
        except (ValueError, KeyError, TypeError):
            return None

    def check(self) -> None:
        """Raise StoreLockedError when another writer has taken this group over (overwrite=True elsewhere)."""
        current = self._current()
        if current is None or current.token != self.record.token:
            who = current.describe() if current is not None else "nobody (the owner record was deleted)"
            raise StoreLockedError(
                f"{self.label}: this writer no longer owns the rank group; it is now owned by {who}. Another writer "
                "took it over (overwrite=True, or this writer's heartbeat stalled longer than "
                f"{self.record.stale_after_s:.0f} s); rows after the last commit were not stored"
            )

    def heartbeat(self) -> None:
        self.check()
        self.record = self.record.beat()
        self.files.replace(self.key, self.record.encode())

    def release(self) -> None:
        """Delete the owner record if it is still ours; a record another writer took over stays."""
        if self._released:
            return
        self._released = True
        _HELD_TOKENS.discard(self.record.token)
        current = self._current()
        if current is not None and current.token == self.record.token:
            self.files.delete(self.key)


def acquire(store, run: str, rank: int, *, url: str, overwrite: bool = False,
            heartbeat_s: float = HEARTBEAT_S) -> Ownership:
    """Take ownership of ``<run>/rank-<rank>`` of ``store`` or raise StoreLockedError naming its live owner.

    Args:
        store: the Zarr store (LocalStore or FsspecStore) of the provenance store at ``url``.
        run: run name.
        rank: rank of the group.
        url: the store's URL, for messages.
        overwrite: take ownership even from a live owner (it stops with StoreLockedError before its next batch).
        heartbeat_s: how often this writer will refresh its heartbeat.

    Returns:
        The ownership, with the record it replaced (if any) and why that owner counted as gone.

    Raises:
        StoreLockedError: another writer that may still be running owns the group.
    """
    files = files_of(store)
    key = owner_key(run, rank)
    label = f"{url}: run {run!r} rank {rank}"
    if not files.atomic:
        log.warning(
            "provenance store %s: the %s backend cannot create a file exclusively, so ownership of run %r rank %d "
            "is taken by writing an owner record and re-reading it after %.1f s; two writers started within the "
            "store's write latency of each other could both proceed. Start one writer per run and rank.",
            url, files.name, run, rank, SETTLE_S)
    with _ACQUIRE_LOCK:
        for _attempt in range(5):
            record = OwnerRecord.of_this_process(heartbeat_s)
            if files.create(key, record.encode()):
                _HELD_TOKENS.add(record.token)
                return Ownership(files, key, record, label, None, None)
            seen, current = _read_settled(files, key)
            if seen is None:
                continue  # released in between: try again
            gone = current.gone_because() if current is not None else None
            if gone is None and not overwrite:
                raise StoreLockedError(_locked_message(label, files.describe(key), current))
            if files.take_over(key, seen, record.encode()):
                _HELD_TOKENS.add(record.token)
                who = current.describe() if current is not None else "an unreadable owner record"
                if gone is not None:
                    log.warning("provenance store %s: took over from %s: %s", label, who, gone)
                else:
                    log.warning("provenance store %s: overwrite=True takes ownership from a writer that may still be "
                                "running (%s); it stops before its next batch", label, who)
                return Ownership(files, key, record, label, current, gone)
        raise StoreLockedError(f"{label}: could not take ownership after 5 attempts; other writers keep changing "
                               f"{files.describe(key)}. Start one writer per run and rank.")


def check_not_owned(store, run: str, rank: int, *, url: str) -> None:
    """Raise StoreLockedError when a writer that may still be running owns ``<run>/rank-<rank>``; reads only."""
    files = files_of(store)
    key = owner_key(run, rank)
    seen, current = _read_settled(files, key)
    if seen is not None and (current is None or current.gone_because() is None):
        raise StoreLockedError(_locked_message(f"{url}: run {run!r} rank {rank}", files.describe(key), current))


def _read_settled(files, key: str) -> tuple[bytes | None, OwnerRecord | None]:
    """The raw record and its parse; a record that stays unreadable for _PARSE_RETRY_S parses as None."""
    deadline = time.monotonic() + _PARSE_RETRY_S
    while True:
        data = files.read(key)
        if data is None:
            return None, None
        try:
            return data, OwnerRecord.decode(data)
        except (ValueError, KeyError, TypeError):
            if time.monotonic() >= deadline:
                return data, None
            time.sleep(0.05)


def _locked_message(label: str, where: str, owner: OwnerRecord | None) -> str:
    if owner is None:
        return (f"{label} has an owner record that cannot be read ({where}). If no writer is running for this run "
                "and rank, delete that file or pass overwrite=True; otherwise use another run name.")
    return (f"{label} is being written by another writer: {owner.describe()} (owner record {where}; heartbeat every "
            f"{owner.heartbeat_s:g} s, counted as gone after {owner.stale_after_s:g} s without one). Wait for it to "
            "finish, write to another run name, or pass overwrite=True if that writer is gone.")

"""Which rows one rank has trained on in the current epoch: duplicate ids, and resumes that repeat stored rows.

A store holds one row per (sample, epoch) and rank. `EpochLedger` keeps the keys of the rows this rank's batches
brought in the current epoch (the `sample_id`, or (`sample_id`, `role`) for preference pairs, whose chosen and
rejected rows legitimately share the pair's id), so that

- a key coming twice in one epoch (duplicate ids in the data, or a sampler drawing with replacement) is refused with
  the ids and the epoch before that batch trains;
- after a resume, the keys of the resumed epoch stored before the checkpoint are known: a batch bringing one of them
  again shows that the data loader restarted the epoch instead of continuing after the checkpoint.

The check is per rank. `DistributedSampler` gives the ranks disjoint samples but pads its last round by repeating a
few samples on other ranks, so a cross-rank check would flag that padding, and it would cost a collective per batch.
Memory: one set entry per sample of the epoch on this rank. Cost per batch: two passes of set look-ups over its ids.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

from provenance.errors import CaptureInputError
from provenance.hf import describe_repeats

RowKey = Hashable


def as_list(values) -> list:
    """A batch column (list, tensor or array) as a list of Python values."""
    return values.tolist() if hasattr(values, "tolist") else list(values)


def row_keys(batch: Mapping, ids: list | None = None) -> list[RowKey]:
    """The ledger keys of a batch's rows: its sample ids (`ids`, when already listed), paired with their `role` when
    the batch has one."""
    ids = as_list(batch["sample_id"]) if ids is None else ids
    roles = batch.get("role")
    return ids if roles is None else list(zip(ids, as_list(roles)))


def show_keys(keys: Sequence[RowKey], limit: int = 5) -> str:
    """``"100, 101, ..."`` (ids) or ``"'pair-1' (chosen), ..."`` (pair rows): the first `limit` keys for a message."""
    def one(key):
        return f"{key[0]!r} ({key[1]})" if isinstance(key, tuple) else repr(key)

    return ", ".join(one(k) for k in keys[:limit]) + (", ..." if len(keys) > limit else "")


class EpochLedger:
    """The row keys one rank has trained on in the current epoch (see the module docstring)."""

    def __init__(self, rank: int = 0) -> None:
        self.rank = rank
        self.epoch: int | None = None
        self._seen: set = set()
        self._unstored: set = set()  # keys of this epoch whose rows capture did not store (e.g. no response tokens)
        # Set by `resume` for the epoch a resumed run starts in:
        self.resumed_epoch: int | None = None
        self.stored_before: frozenset = frozenset()  # keys of that epoch stored before the checkpoint
        self.replayed: set = set()  # of those, the keys that a batch after the resume brought again
        self.batches_since_resume = 0

    @property
    def distinct(self) -> int:
        """Distinct row keys of the current epoch, those stored before a resume's checkpoint included."""
        return len(self._seen)

    def resume(self, epoch: int, stored_keys: Iterable[RowKey], unstored_keys: Iterable[RowKey] = ()) -> None:
        """Start `epoch` knowing the keys it already trained on before the checkpoint (stored, and not stored)."""
        self._start(epoch)
        self.resumed_epoch = epoch
        self.stored_before = frozenset(stored_keys)
        self._unstored = set(unstored_keys)
        self._seen = set(self.stored_before) | self._unstored

    def admit(self, keys: list[RowKey], *, epoch: int, step: int) -> list[RowKey]:
        """Record one batch's keys. Returns the keys stored before the resume's checkpoint that it brings again
        (empty unless the loader restarted a resumed epoch).

        Raises:
            CaptureInputError: a key comes twice in this epoch (within the batch, or after an earlier batch of it).
        """
        if epoch != self.epoch:
            self._start(epoch)
        if self.resumed_epoch == epoch:
            self.batches_since_resume += 1
        seen = self._seen
        try:
            fresh = seen.isdisjoint(keys)
        except TypeError:
            raise CaptureInputError(f"sample ids must be ints or strings (hashable), got {show_keys(keys)}") from None
        if fresh:
            before = len(seen)
            seen.update(keys)
            if len(seen) - before == len(keys):
                return []
            seen.difference_update(keys)  # every key was new: only the batch repeats itself
        return self._repeats(keys, epoch, step)

    def note_unstored(self, batch_keys: Sequence[RowKey], stored_keys: Iterable[RowKey]) -> None:
        """Remember which keys of a batch capture did not store, so a checkpoint can carry them to a resume."""
        self._unstored.update(set(batch_keys) - set(stored_keys))

    def state(self) -> dict:
        """Checkpoint state: the epoch and its keys that no stored row holds (plain lists, no pickled objects)."""
        return {"epoch": self.epoch, "unstored": [list(k) if isinstance(k, tuple) else k for k in self._unstored]}

    @staticmethod
    def unstored_of(state: Mapping | None, epoch: int) -> list[RowKey]:
        """The unstored keys a checkpoint recorded for `epoch` (none when it was saved in another epoch)."""
        if not state or state.get("epoch") != epoch:
            return []
        return [tuple(k) if isinstance(k, list) else k for k in state.get("unstored", [])]

    def end_resumed_epoch(self) -> None:
        self.resumed_epoch = None

    # ---- internals ----------------------------------------------------------------------------------------------
    def _start(self, epoch: int) -> None:
        self.epoch = epoch
        self._seen = set()
        self._unstored = set()
        if self.resumed_epoch != epoch:  # what a resume stored concerns its own epoch only
            self.resumed_epoch = None
            self.stored_before = frozenset()
            self.replayed = set()
            self.batches_since_resume = 0

    def _repeats(self, keys: list[RowKey], epoch: int, step: int) -> list[RowKey]:
        seen, counts = self._seen, Counter(keys)
        replay = [k for k in counts if k in self.stored_before and k not in self.replayed and counts[k] == 1]
        replay_set = set(replay)
        duplicates = [(k, c + (k in seen)) for k, c in counts.items()
                      if k not in replay_set and (c > 1 or k in seen)]
        if duplicates:
            raise CaptureInputError(
                f"rank {self.rank}, epoch {epoch}, step {step}: {len(duplicates)} sample id(s) come more than once in "
                f"this epoch ({describe_repeats(duplicates)}). A store holds one row per (sample_id, epoch): two "
                "rows under one id could not be told apart. Fix: make every record's sample_id unique "
                "(provenance.hf.with_sample_ids derives unique index+hash ids). A sampler drawing with replacement "
                "(WeightedRandomSampler) is not supported: repeat such records in the dataset under distinct ids "
                "(e.g. '<id>#2') instead. The check is per rank."
            )
        self.replayed.update(replay)
        seen.update(keys)
        return replay

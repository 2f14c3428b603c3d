"""Resident memory of a process tree, read from /proc (Linux), so no extra dependency is needed."""

from __future__ import annotations

import os
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
PROC = Path("/proc")


def stat_fields(pid: int) -> list[str] | None:
    """`/proc/<pid>/stat` from its state field on (field 3 of proc(5) is index 0); None if gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: the fields start after the last ")".
    return stat[stat.rindex(")") + 2 :].split()


def _parent_of(pid: int) -> int | None:
    fields = stat_fields(pid)
    return None if fields is None else int(fields[1])


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def rss_bytes(pid: int) -> int:
    try:
        resident = int((PROC / str(pid) / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return resident * PAGE_BYTES


def tree_rss_bytes(root: int) -> int:
    """Sum of RSS over the process and its descendants (shared pages count once per process)."""
    return sum(rss_bytes(pid) for pid in descendants(root))


def tree_rss_by_process(root: int) -> dict[int, int]:
    return {pid: rss_bytes(pid) for pid in descendants(root)}


class TreeMemory:
    """Samples a process tree's memory, and its growth apart from the processes started meanwhile.

    A Lambda sandbox started during a run (a function's pool reaching a new peak of concurrency)
    adds its whole footprint at once: a bounded cost of the pool, not growth per operation. So each
    process counts towards growth from its own RSS once it has been seen in `settle` samples (its
    cold start done); the processes alive at the first sample count from that sample. A process
    that exits takes its growth with it, as it takes its memory.
    """

    def __init__(self, root: int, settle: int = 3) -> None:
        self.root, self.settle = root, settle
        self._seen: dict[int, int] = {}
        self._baseline: dict[int, int] = {}
        self._first = True
        self.started = 0  # processes that appeared after the first sample

    def sample(self) -> tuple[int, int, int]:
        """(RSS of the whole tree, growth of the tree apart from new processes, RSS of the root)."""
        rss = tree_rss_by_process(self.root)
        for pid, value in rss.items():
            seen = self._seen.get(pid, 0) + 1
            self._seen[pid] = seen
            if seen == 1 and not self._first:
                self.started += 1
            if pid not in self._baseline and (self._first or seen >= self.settle):
                self._baseline[pid] = value
        self._first = False
        growth = sum(value - self._baseline[pid] for pid, value in rss.items() if pid in self._baseline)
        return sum(rss.values()), growth, rss.get(self.root, 0)

    @property
    def processes(self) -> int:
        return len(self._seen)

"""How the benchmark describes the machine its figures come from."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench import results


def test_steal_is_the_share_of_cpu_time_given_to_other_guests() -> None:
    # Given two readings of /proc/stat's cpu line (user nice system idle iowait irq softirq steal guest)
    start = results.cpu_times("cpu  100 0 50 800 10 0 0 40 5 0\ncpu0 50 0 25 400 5 0 0 20 0 0\n")
    end = results.cpu_times("cpu  300 0 100 1400 10 0 0 190 25 0\ncpu0 150 0 50 700 5 0 0 95 0 0\n")
    # When the share of steal between them is taken
    share = results.steal_share(start, end)
    # Then it is steal over all CPU time (guest time is already inside user), and unknown without readings
    assert share == round(150 / (200 + 50 + 600 + 150), 3)
    assert results.steal_share(None, end) is None
    assert results.cpu_times("intr 1 2 3\n") is None


def test_the_pause_penalty_compares_the_same_work_after_a_pause_with_back_to_back() -> None:
    # Given work that takes 2 units back to back and 7 units right after a pause (a fake clock)
    now = [0.0]
    paused = [False]

    def pause(_seconds: float) -> None:
        paused[0] = True

    def work() -> None:
        now[0] += 7.0 if paused[0] else 2.0
        paused[0] = False

    # When the penalty is measured
    penalty = results.pause_penalty(work, rounds=5, pause_s=0.005, clock=lambda: now[0], pause=pause)
    # Then it reports both medians and their ratio
    assert penalty == {"pause_ms": 5.0, "back_to_back_us": 2e6, "after_pause_us": 7e6, "factor": 3.5}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_the_code_is_dirty_only_when_a_file_outside_the_results_differs(tmp_path: Path) -> None:
    # Given a repository whose bench/results holds the last run's figures, committed
    repo = tmp_path / "repo"
    (repo / "bench" / "results").mkdir(parents=True)
    (repo / "bench" / "run.py").write_text("pass\n")
    (repo / "app.py").write_text("pass\n")
    (repo / "bench" / "results" / "latest.json").write_text("{}\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "figures")
    results_dir = repo / "bench" / "results"
    clean = results.describe(results_dir)
    # When only the figures change, then the code is still the commit
    (results_dir / "latest.json").write_text('{"new": 1}\n')
    assert clean is not None and not clean.endswith("-dirty")
    assert results.describe(results_dir) == clean
    # When the code changes too, anywhere in the repository, then it is dirty
    (repo / "app.py").write_text("pass  # changed\n")
    assert results.describe(results_dir) == f"{clean}-dirty"
    _git(repo, "checkout", "-q", "app.py")
    (repo / "bench" / "run.py").write_text("pass  # changed\n")
    assert results.describe(results_dir) == f"{clean}-dirty"

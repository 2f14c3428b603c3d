"""How the benchmark describes the machine its figures come from."""

from __future__ import annotations

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

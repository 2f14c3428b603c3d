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

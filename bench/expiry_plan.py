"""When each of the timers scenario's holds should expire, and so how long each is held.

A shop's holds are placed over hours and expire spread out. The benchmark has to place H holds in
as few seconds as the stack allows and still have all of them open at once, and how it orders
them decides how the expiries bunch: longest first puts every expiry in the few seconds after
placing ends (a burst the benchmark made, not a timer's lateness). Here the expiries are spread
evenly over a window as long as the hold-time range, starting just after placing is expected to
end. Each hold's time is fixed when it is sent (its target second minus now), so a placing that
runs faster or slower than expected changes hold times, not how the expiries spread.
"""

from __future__ import annotations

import bisect
import math
import random
import threading


class ExpiryPlan:
    """Hands out hold times so that `count` holds expire spread evenly over the whole seconds of
    `[opens_at, opens_at + (longest - shortest))` (epoch seconds), each held `shortest..longest` s.

    An expiry is a whole second: the service rounds `now + hold_seconds` up, so a hold sent at
    `now` for `h` seconds expires at `ceil(now + h)` (plus the request's way to the service)."""

    URGENT_S = 1  # a target this close to the earliest reachable is taken before it can no longer be
    SENDING_S = 0.1  # the time a request takes to reach the service's clock, roughly

    def __init__(self, count: int, opens_at: float, shortest: int, longest: int, seed: int = 8) -> None:
        if count < 1 or not 0 < shortest < longest:
            raise ValueError("a plan needs holds and a hold-time range")
        window, first = longest - shortest, math.ceil(opens_at)
        self.shortest, self.longest = shortest, longest
        self._targets = [first + k * window // count for k in range(count)]  # sorted
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._targets)

    def targets(self) -> list[int]:
        with self._lock:
            return list(self._targets)

    def taken(self, expires_at: float) -> None:
        """A hold placed outside the plan expires at `expires_at`: the target nearest it is dropped,
        so that second does not get more than its share."""
        with self._lock:
            if self._targets:
                index = bisect.bisect_left(self._targets, expires_at)
                if index == len(self._targets) or (
                    index > 0 and expires_at - self._targets[index - 1] < self._targets[index] - expires_at
                ):
                    index -= 1
                self._targets.pop(index)

    def hold_seconds(self, now: float) -> int:
        """The hold time for a hold sent at `now`: the earliest target when it is about to become
        unreachable, else a random reachable one, so hold times spread over the whole range."""
        with self._lock:
            if not self._targets:
                raise IndexError("every planned hold was handed out")
            base = math.ceil(now + self.SENDING_S)
            lowest, highest = base + self.shortest, base + self.longest
            if self._targets[0] < lowest + self.URGENT_S:
                target = self._targets.pop(0)
            else:
                low = bisect.bisect_left(self._targets, lowest)
                high = bisect.bisect_right(self._targets, highest)
                target = self._targets.pop(self._random.randrange(low, high) if high > low else 0)
            return min(self.longest, max(self.shortest, target - base))

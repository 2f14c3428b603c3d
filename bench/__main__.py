"""`make bench`: runs every benchmark module in this folder as a script; they print numbers only.

`python -m bench alerts_check` runs just the named ones.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_"))
    for name in names or modules:
        if name not in modules:
            print(f"no benchmark named {name!r}; have {', '.join(modules)}", file=sys.stderr)
            return 2
        print(f"== bench.{name}", flush=True)
        runpy.run_module(f"bench.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

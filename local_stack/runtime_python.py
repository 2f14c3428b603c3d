"""Finds a Python interpreter of the Lambda runtime's minor version (the template's `Runtime`).

`sam build` needs one to build what deploys, and the local workers run one so that the handlers
meet the same language version as on AWS. Looked up the ways a machine usually provides it, never
downloaded: `LAMBDA_PYTHON`, `pythonX.Y` on `PATH` (pyenv shims answer only when that version is
selected, so each candidate is run), pyenv's and uv's installed versions, then the system's.

`python -m local_stack.runtime_python` prints the interpreter's path (exit 1 with the reason when
there is none); `--bin-dir` prints its folder, for putting it first on `PATH`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
# The local workers' interpreter: the runtime's Python with the locked dependencies (`make runtime`).
WORKER_VENV = ROOT / ".venv-runtime"


def template_runtime(template: Path = TEMPLATE) -> str:
    """The functions' runtime from the template's Globals, e.g. "python3.12"."""
    for line in template.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("Runtime:") and "python" in stripped:
            return stripped.split(":", 1)[1].split("#", 1)[0].strip()
    raise ValueError(f"{template} names no Python runtime")


def _version_of(interpreter: str) -> str | None:
    try:
        done = subprocess.run(
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _candidates(version: str) -> list[str]:
    found: list[str] = []
    if os.environ.get("LAMBDA_PYTHON"):
        found.append(os.environ["LAMBDA_PYTHON"])
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found += [
        str(p)
        for p in sorted((pyenv_root / "versions").glob(f"{version}*/bin/python{version}"), reverse=True)
    ]
    uv_root = Path(os.environ.get("UV_PYTHON_INSTALL_DIR", Path.home() / ".local/share/uv/python"))
    found += [str(p) for p in sorted(uv_root.glob(f"cpython-{version}*/bin/python{version}"), reverse=True)]
    found += [f"/usr/local/bin/python{version}", f"/usr/bin/python{version}"]
    return found


@cache
def find(version: str | None = None) -> Path | None:
    """A working interpreter of `version` (default: the template's runtime), or None."""
    wanted = version or template_runtime().removeprefix("python")
    for candidate in _candidates(wanted):
        if Path(candidate).exists() and _version_of(candidate) == wanted:
            return Path(candidate)
    return None


@cache
def worker_python() -> tuple[str, str | None]:
    """The interpreter for local Lambda workers, and a warning when it is not the runtime's version."""
    wanted = template_runtime().removeprefix("python")
    venv_python = WORKER_VENV / "bin" / "python"
    if venv_python.exists() and _version_of(str(venv_python)) == wanted:
        return str(venv_python), None
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if running == wanted:
        return sys.executable, None
    reason = (
        f"no Python {wanted} found (the functions' runtime); install one (e.g. `pyenv install {wanted}`) "
        "and run `make runtime`"
        if find(wanted) is None
        else f"{WORKER_VENV.name} is missing: run `make runtime`"
    )
    return sys.executable, f"local Lambda workers run Python {running}, not {wanted}: {reason}"


def main(argv: list[str]) -> int:
    interpreter = find()
    if interpreter is None:
        wanted = template_runtime()
        print(
            f"no {wanted} interpreter found (looked at LAMBDA_PYTHON, {wanted} on PATH, pyenv and uv "
            f"installs, /usr/bin); install Python {wanted.removeprefix('python')} and retry",
            file=sys.stderr,
        )
        return 1
    print(interpreter.parent if "--bin-dir" in argv else interpreter)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

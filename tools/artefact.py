"""What `sam build` produced (`.aws-sam/build`): its size, and whether every handler imports from it.

`python -m tools.artefact size` prints each function's and layer's size on disk and zipped (what
Lambda stores and loads on a cold start), against Lambda's 250 MB unzipped limit.

`python -m tools.artefact imports` imports every function's handler the way Lambda does, with the
runtime's Python and nothing but the artefact on `sys.path`: the function's folder, the layer's
`python/`, and the packages the Lambda runtime provides (`dependencies/runtime-provided.txt`).
No site-packages, no project checkout, so a dependency missing from the lock fails here.
The artefact is built for arm64; on another machine the only thing that cannot run is the layer's
compiled extensions, so exactly those distributions (same pinned versions and hashes) are installed
for this machine in front of the layer. Each handler is imported in its own process with the
environment the template gives it (AWS calls would go to a closed loopback port).
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from local_stack.provision import Provisioner
from local_stack.runtime_python import find
from local_stack.stack import LocalStack, StackOptions, local_parameters
from tools.lock import LOCK, RUNTIME_PROVIDED, normalise, recorded_digest

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / ".aws-sam" / "build"
CHECK_DIR = ROOT / ".aws-sam" / "import-check"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
ARTEFACT_MACHINE = "aarch64"  # the template's Architectures: [arm64]

_IMPORT = """
import importlib, json, os, sys
paths = json.loads(sys.argv[1])
stdlib = [p for p in sys.path if p and "site-packages" not in p and not p.startswith(os.getcwd())]
sys.path[:] = paths + stdlib
module, _, attr = os.environ["_HANDLER"].rpartition(".")
handler = getattr(importlib.import_module(module), attr)
assert callable(handler), "handler is not callable"
allowed = tuple(paths) + (sys.base_prefix,)
outside = sorted(
    name for name, mod in list(sys.modules.items())
    if getattr(mod, "__file__", None) and not os.path.realpath(mod.__file__).startswith(allowed)
)
print(json.dumps({"outside_artefact": outside}))
"""


@dataclass(frozen=True)
class Artefact:
    name: str
    path: Path
    unzipped: int
    zipped: int


def _zipped_size(folder: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder))
    return buffer.tell()


def artefacts(build_dir: Path = BUILD_DIR) -> list[Artefact]:
    found = []
    for folder in sorted(p for p in build_dir.iterdir() if p.is_dir()):
        unzipped = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        found.append(Artefact(folder.name, folder, unzipped, _zipped_size(folder)))
    return found


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def print_sizes(build_dir: Path = BUILD_DIR) -> None:
    found = artefacts(build_dir)
    layer = next((a for a in found if a.name == "DependenciesLayer"), None)
    width = max(len(a.name) for a in found)
    print(f"{'artefact'.ljust(width)}  unzipped   zipped")
    for a in found:
        print(f"{a.name.ljust(width)}  {_mb(a.unzipped):>8}  {_mb(a.zipped):>8}")
    functions = [a for a in found if a is not layer]
    largest = max(a.unzipped for a in functions) + (layer.unzipped if layer else 0)
    print(
        f"total {_mb(sum(a.zipped for a in found))} zipped to upload; "
        f"largest function with its layer {_mb(largest)} unzipped "
        f"(Lambda's limit {_mb(LAMBDA_UNZIPPED_LIMIT)})"
    )


def _layer_site(build_dir: Path) -> Path:
    return build_dir / "DependenciesLayer" / "python"


def compiled_distributions(site: Path) -> list[str]:
    """Distributions in the layer that carry compiled extensions (normalised names)."""
    names = []
    for record in sorted(site.glob("*.dist-info/RECORD")):
        if any(re.search(r"\.so(\.|,)", line) for line in record.read_text(encoding="utf-8").splitlines()):
            names.append(normalise(record.parent.name.split("-")[0]))
    return names


def _lock_blocks(lock: Path, wanted: set[str]) -> str:
    out, keep = [], False
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if match:
            keep = normalise(match.group(1)) in wanted
        elif not line.startswith(" "):
            keep = False
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


def _pip_target(python: Path, requirements: str, target: Path) -> None:
    if (target / ".complete").exists():
        return
    target.mkdir(parents=True, exist_ok=True)
    reqs = target.with_suffix(".txt")
    reqs.write_text(requirements, encoding="utf-8")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--require-hashes", "--only-binary=:all:", "--no-warn-script-location",
         "--target", str(target), "-r", str(reqs)],
        check=True,
    )  # fmt: skip
    (target / ".complete").touch()


def check_imports(build_dir: Path = BUILD_DIR, only: set[str] | None = None) -> dict[str, str]:
    """{logical id: problem} for every handler that does not import from the artefact alone."""
    python = find()
    if python is None:
        raise RuntimeError("no Python of the functions' runtime on this machine")
    digest = recorded_digest(LOCK) or "unlocked"
    provided = CHECK_DIR / f"runtime-provided-{digest[:12]}"
    _pip_target(python, RUNTIME_PROVIDED.read_text(encoding="utf-8"), provided)
    site = _layer_site(build_dir)
    front: list[str] = []
    if platform.machine() != ARTEFACT_MACHINE:
        compiled = set(compiled_distributions(site))
        overlay = CHECK_DIR / f"{platform.machine()}-{'-'.join(sorted(compiled))}-{digest[:12]}"
        _pip_target(python, _lock_blocks(LOCK, compiled), overlay)
        front.append(str(overlay))

    template = build_dir / "template.yaml"
    model = Provisioner(
        template, "http://127.0.0.1:9", parameter_overrides=local_parameters(template)
    ).build_model()
    base = LocalStack(StackOptions(template=template)).function_environment()
    base["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # discard port: nothing may leave the machine

    def one(lid: str) -> tuple[str, str | None]:
        spec = model.functions[lid]
        env = {
            **base,
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
        }
        paths = [str(spec.code_dir), *front, str(site), str(provided)]
        done = subprocess.run(
            [str(python), "-I", "-S", "-c", _IMPORT, json.dumps(paths)],
            env=env,
            cwd=spec.code_dir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            return lid, (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        outside = json.loads(done.stdout.strip().splitlines()[-1])["outside_artefact"]
        return lid, f"imported from outside the artefact: {outside}" if outside else None

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, sorted(only or model.functions)))
    return {lid: problem for lid, problem in results if problem}


def main(argv: list[str]) -> int:
    if not (BUILD_DIR / "template.yaml").exists():
        print("no artefact: run `make build` first", file=sys.stderr)
        return 1
    if argv[:1] == ["size"]:
        print_sizes()
        return 0
    if argv[:1] == ["imports"]:
        problems = check_imports()
        for lid, problem in sorted(problems.items()):
            print(f"{lid}: {problem}", file=sys.stderr)
        if not problems:
            print(f"every handler imports from {BUILD_DIR.relative_to(ROOT)} alone")
        return 1 if problems else 0
    print("usage: python -m tools.artefact size|imports", file=sys.stderr)
    return 2


if __name__ == "__main__":
    os.environ.setdefault("SAM_CLI_TELEMETRY", "0")
    raise SystemExit(main(sys.argv[1:]))

"""What the benchmark measures with: a process tree's memory growth, and its GIL profile summary."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from bench import gil_profile
from bench.process_memory import TreeMemory

MIB = 1024 * 1024
# A parent that, on each line read, starts a child holding 40 MiB or makes that child take 30 more.
PARENT = textwrap.dedent(
    """
    import subprocess, sys
    CHILD = "import sys\\nheld = [bytearray(40 << 20)]\\nprint('ready', flush=True)\\n" \\
        "for _ in sys.stdin:\\n    held.append(bytearray(30 << 20)); print('grown', flush=True)\\n"
    child = None
    for line in sys.stdin:
        if child is None:
            child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
            child.stdout.readline()
        else:
            child.stdin.write("grow\\n"); child.stdin.flush(); child.stdout.readline()
        print("done", flush=True)
    """
)


@pytest.fixture
def parent() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    yield process
    process.kill()
    process.wait()


def _ask(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("go\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "done"


def test_a_new_process_adds_its_growth_not_its_footprint(parent: subprocess.Popen[str]) -> None:
    # Given a tree's memory sampled before it starts a child holding 40 MiB
    memory = TreeMemory(parent.pid, settle=2)
    tree_before, growth_before, _ = memory.sample()
    _ask(parent)
    time.sleep(0.1)
    # When the child has been seen long enough to count as started
    tree, growth, _ = memory.sample()
    tree, growth, _ = memory.sample()
    # Then the tree is 40 MiB larger, but its growth is at most the parent's own (starting a child)
    assert tree - tree_before > 35 * MIB
    assert abs(growth - growth_before) < 12 * MIB
    assert memory.started == 1 and memory.processes == 2
    # And when the child itself grows by 30 MiB, that is growth
    _ask(parent)
    _tree, growth_after, _ = memory.sample()
    assert 25 * MIB < growth_after - growth < 35 * MIB


RAW = "\n".join(
    [
        "Thread.run (threading.py:982);AwsEndpoint._dynamodb (local_stack/aws_endpoint.py:259);"
        "DynamoHandler.update_item (moto/dynamodb/responses.py:1242) 6",
        "Thread.run (threading.py:982);AwsEndpoint._dynamodb (local_stack/aws_endpoint.py:259) 2",
        "Thread.run (threading.py:982);deepcopy (copy.py:128) 1",
        " 1",
    ]
)


def test_a_gil_recording_is_summarised_by_function_and_part_of_the_stack() -> None:
    # Given py-spy's collapsed stacks (leaf last, a count per stack, one sample without frames)
    summary = gil_profile.summarise(RAW)
    # Then shares are of the 10 samples: self by the innermost frame, total by any frame
    assert summary["samples"] == 10
    top = {t["function"]: (t["self_share"], t["total_share"]) for t in summary["top"]}
    assert top["responses.py:DynamoHandler.update_item"] == (0.6, 0.6)
    assert top["aws_endpoint.py:AwsEndpoint._dynamodb"] == (0.2, 0.8)
    assert top["(no Python frame)"] == (0.1, 0.1)
    # and each sample falls into the innermost part of the stack it reached
    centres = {c["centre"]: c["share"] for c in summary["cost_centres"]}
    assert centres == {"moto dynamodb": 0.6, "local_stack": 0.2, "copy (deepcopy)": 0.1, "other": 0.1}
    # and the 9 samples holding the GIL by operation: the innermost frame that names one
    assert summary["holding_the_gil"] == 9
    operations = {o["operation"]: o["share"] for o in summary["operations"]}
    assert operations == {
        "dynamodb update_item": 0.6667,
        "AWS endpoint (routing, metering)": 0.2222,
        "other": 0.1111,
    }


def test_samples_inside_a_call_that_gives_the_gil_up_are_not_an_operation() -> None:
    # Given a recording where the last GIL holder sat in a socket send for 3 samples
    raw = "\n".join(
        [
            "Thread.run (threading.py:982);_SocketWriter.write (socketserver.py:826) 3",
            "Thread.run (threading.py:982);RestApiGateway.dispatch (local_stack/rest_api.py:130) 1",
        ]
    )
    summary = gil_profile.summarise(raw)
    # Then they count among the samples, but the operations are of the one that held the GIL
    assert summary["samples"] == 4 and summary["holding_the_gil"] == 1
    assert summary["operations"] == [{"operation": "REST gateway", "share": 1.0}]

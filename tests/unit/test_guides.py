"""The guides in docs/ stay true to the template and the Makefile (their samples run in e2e tests)."""

from __future__ import annotations

import re

from local_stack.cfn import load_template
from tests.support import ROOT

DOCS = ROOT / "docs"
TEMPLATE = load_template(ROOT / "template.yaml")


def test_the_runbook_explains_every_alarm_and_only_those() -> None:
    alarms = {lid for lid, r in TEMPLATE["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    headings = set(re.findall(r"^## (\w+Alarm)$", (DOCS / "runbook.md").read_text(encoding="utf-8"), re.M))
    assert headings == alarms


def test_every_make_target_the_guides_use_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    for guide in ("deployment.md", "integration.md", "runbook.md"):
        for target in re.findall(r"`make ([a-z][a-z-]*)", (DOCS / guide).read_text(encoding="utf-8")):
            assert target in targets, f"{guide}: make {target}"


def test_every_stack_output_the_guides_name_exists() -> None:
    outputs = set(TEMPLATE["Outputs"])
    for guide in ("deployment.md", "integration.md", "runbook.md"):
        text = (DOCS / guide).read_text(encoding="utf-8")
        for name in re.findall(r"`(\w+(?:Url|Arn|Name|Id))`", text):
            if name in TEMPLATE["Resources"] or name.startswith(
                ("Reservation", "Alerts", "Order", "Frontend", "Api")
            ):
                assert name in outputs or name in TEMPLATE["Resources"], f"{guide}: {name}"


def test_every_parameter_the_deployment_guide_names_exists() -> None:
    text = (DOCS / "deployment.md").read_text(encoding="utf-8")
    for name in re.findall(r"\b([A-Z][a-z][A-Za-z]+)=", text):
        assert name in TEMPLATE["Parameters"], name


def test_the_readme_links_the_guides() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for guide in ("docs/deployment.md", "docs/integration.md", "docs/runbook.md"):
        assert f"({guide})" in readme, guide

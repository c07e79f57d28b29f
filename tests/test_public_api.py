"""Every package says what it offers: ``__all__`` lists exactly the public names of its
``__init__`` (no forgotten export, no stale one), and the core never imports Prefect."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from types import ModuleType

import pytest

import demo
import flows
import partnerflow
import tasks

PACKAGES = sorted(
    {
        info.name
        for root in (partnerflow, flows, tasks, demo)
        for info in pkgutil.walk_packages(root.__path__, f"{root.__name__}.")
        if info.ispkg
    }
    | {"partnerflow", "flows", "tasks", "demo"}
)


def public_names(package: ModuleType) -> set[str]:
    """Names the package's ``__init__`` binds for its users: not private, not a submodule."""
    return {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not isinstance(value, ModuleType) and name != "annotations"
    }


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    package = importlib.import_module(name)
    assert hasattr(package, "__all__"), f"{name} has no __all__"
    assert set(package.__all__) == public_names(package), name


def test_every_folder_of_code_is_a_package() -> None:
    assert {"partnerflow.registration", "partnerflow.orchestration", "partnerflow.approvals"} <= set(PACKAGES)


def test_core_does_not_import_prefect() -> None:
    code = (
        "import sys, partnerflow.policy, partnerflow.notify, partnerflow.models, partnerflow.registration,"
        " partnerflow.campaigns, partnerflow.commissions, partnerflow.rebalancing, partnerflow.context,"
        " partnerflow.cli;"
        "sys.exit('prefect' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

"""The policy package exports exactly its public names."""

from __future__ import annotations

import partnerflow.notify
import partnerflow.policy


def test_policy_exports_are_declared() -> None:
    for name in partnerflow.policy.__all__:
        assert hasattr(partnerflow.policy, name)
    assert {"load_policy", "Policy", "Decision", "PolicyError"} <= set(partnerflow.policy.__all__)


def test_notify_exports_are_declared() -> None:
    for name in partnerflow.notify.__all__:
        assert hasattr(partnerflow.notify, name)


def test_core_does_not_import_prefect() -> None:
    import subprocess
    import sys

    code = (
        "import sys, partnerflow.policy, partnerflow.notify, partnerflow.models, partnerflow.cli;"
        "sys.exit('prefect' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

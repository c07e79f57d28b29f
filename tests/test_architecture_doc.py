"""ARCHITECTURE.md stays true where a test can tell: every file it cites exists, and the processes
it counts are the ones the independence contract holds apart (it said five and cited a file that
did not exist)."""

from __future__ import annotations

import re
import tomllib

from partnerflow.settings import PROJECT_ROOT

DOC = (PROJECT_ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
NUMBERS = {"five": 5, "six": 6, "seven": 7, "eight": 8}


def test_every_file_it_cites_exists() -> None:
    cited = set(re.findall(r"`((?:partnerflow|flows|tasks|tests|demo|migrations|bench)/[\w/.-]+\.\w+)`", DOC))
    assert cited, "the page cites files"
    assert sorted(path for path in cited if not (PROJECT_ROOT / path).exists()) == []


def test_the_processes_it_counts_are_the_contracts() -> None:
    contracts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    [independence] = [contract for contract in contracts if contract["type"] == "independence"]
    processes = [module.removeprefix("partnerflow.") for module in independence["modules"]]
    [said] = re.findall(r"The (\w+) processes are independent", DOC)
    assert NUMBERS[said] == len(processes)
    diagram = DOC.split("```")[1]
    assert [name for name in processes if name not in diagram] == []

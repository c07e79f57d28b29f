"""The last line every benchmark prints: one JSON object with value, baseline, ratio, target, pass."""

from __future__ import annotations

import json
from typing import Any


def report(
    name: str,
    *,
    value: float,
    unit: str,
    baseline: float,
    target: float,
    higher_is_better: bool = True,
    **extra: Any,
) -> None:
    ratio = value / baseline if baseline else float("inf")
    passed = value >= target if higher_is_better else value <= target
    print(
        json.dumps(
            {
                "bench": name,
                "value": round(value, 2),
                "unit": unit,
                "baseline": round(baseline, 2),
                "ratio": round(ratio, 3),
                "target": target,
                "pass": passed,
                **extra,
            }
        )
    )

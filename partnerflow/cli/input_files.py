"""Reading the files people give the command line: every problem is one ``FILE:LINE: reason`` line.

A file is read whole and checked before anything is written: missing, a folder, binary, not
UTF-8, not JSON, nested too deep, a field given twice (a repeated CSV column or JSON key: which
one was meant?), a CSV row longer or shorter than its header, a cell larger than a spreadsheet
would hold. CSV cells keep their quoted line breaks (the csv module reads the
file, not ``str.splitlines``, which also splits on U+2028 and friends).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from partnerflow.cli.output import InputProblem
from partnerflow.settings import get_settings

MAX_CELL_CHARACTERS = 32_767  # what a spreadsheet cell holds; far beyond any field's limit


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows from a JSON list (or one object) or a CSV file with the same field names."""
    text = read_text(path)
    rows = _csv_rows(path, text) if path.suffix.lower() == ".csv" else _json_rows(path, text)
    if not rows:
        raise InputProblem(f"{path}: no rows")
    return rows


def read_text(path: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped), or the one line that says why it is not."""
    if path.is_dir():
        raise InputProblem(f"{path}: is a folder, not a file")
    if not path.exists():
        raise InputProblem(f"{path}: no such file")
    largest_mb = get_settings().max_input_file_mb
    if path.stat().st_size > largest_mb * 2**20:
        raise InputProblem(f"{path}: larger than {largest_mb} MB (PARTNERFLOW_MAX_INPUT_FILE_MB); split it")
    data = path.read_bytes()
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputProblem(f"{path}:{line}: not a text file (a NUL byte)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputProblem(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); save the file as UTF-8"
        ) from None


class _RepeatedKey(ValueError):
    """A JSON object that names a field twice (``json`` would keep the last silently)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKey(key)
        seen[key] = value
    return seen


def _json_rows(path: Path, text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except _RepeatedKey as repeated:
        raise InputProblem(f"{path}: {str(repeated)[:60]!r} is given twice in one object: keep one") from None
    except json.JSONDecodeError as error:
        raise InputProblem(f"{path}:{error.lineno}: not JSON ({error.msg})") from None
    except RecursionError:
        raise InputProblem(f"{path}: nested too deeply to be a list of rows") from None
    rows = data if isinstance(data, list) else [data]
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise InputProblem(f"{path}: row {number}: expected an object with named fields")
    return rows


def _csv_rows(path: Path, text: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[dict[str, Any]] = []
    try:
        header = next(reader, None)
        if header is None:
            return []
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            raise InputProblem(f"{path}:1: column {repeated[0][:60]!r} appears twice in the header: keep one")
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            line = reader.line_num
            if len(cells) != len(header):
                raise InputProblem(
                    f"{path}:{line}: {len(cells)} cells where the header has {len(header)}"
                    + (" (a comma inside a value needs quotes)" if len(cells) > len(header) else "")
                )
            rows.append(dict(zip(header, cells, strict=True)))
    except csv.Error as error:
        raise InputProblem(f"{path}:{reader.line_num}: not a CSV file ({error})") from None
    for number, row in enumerate(rows, start=2):
        for field, value in row.items():
            if len(value) > MAX_CELL_CHARACTERS:
                raise InputProblem(f"{path}: row {number}: {field}: a cell of {len(value):,} characters")
    return rows

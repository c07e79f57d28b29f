"""``python -m partnerflow``: the same command line as ``partnerflow``."""

from partnerflow.cli import app

app(prog_name="partnerflow")

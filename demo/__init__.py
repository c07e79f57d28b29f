"""The demo (``make demo``, ``python -m demo``): the product end to end on embedded defaults.

It drives the processes through their flows and the command line as a person would, so it
lives outside the Prefect-free core (``partnerflow``) and nothing in the product imports it.
"""

__all__: list[str] = []

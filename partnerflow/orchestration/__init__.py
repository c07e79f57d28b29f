"""Talking to Prefect from outside a flow: the local server, serving the deployments, starting,
resuming and waking runs, emitting events. The one place for Prefect helpers shared by the
command line, the approval page, the tasks and the demo; the domain packages never import it.

Flows keep their own run-side helpers in ``flows/runners.py``.
"""

__all__: list[str] = []

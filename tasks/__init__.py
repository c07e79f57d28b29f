"""Prefect tasks: the I/O steps of the flows, thin adapters over the core's use cases (ARCHITECTURE.md)."""

__all__: list[str] = []

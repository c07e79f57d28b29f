"""Prefect flows: each orchestrates one process from its tasks (ARCHITECTURE.md)."""

__all__: list[str] = []

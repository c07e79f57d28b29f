"""partnerflow: workflow and approval automation for a channel-partner programme (the Prefect-free core;
see ARCHITECTURE.md)."""

__all__: list[str] = []

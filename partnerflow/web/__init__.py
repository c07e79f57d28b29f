"""The small web app for people who are not Prefect operators (today: the approval page)."""

from partnerflow.web.app import create_app

__all__ = ["create_app"]

"""Looking up which policy version is in force, for flows that record or display it."""

from datetime import date

from prefect import task

from partnerflow.policy import PolicyStamp, load_policy
from partnerflow.settings import get_settings


@task(name="policy-in-force", retries=2, retry_delay_seconds=[1, 5])
def policy_in_force(kind: str, as_of: date) -> PolicyStamp:
    """The stamp (kind, version, sha256) of the ``kind`` policy effective on ``as_of``.

    Policies are loaded and compiled inside tasks (they hold compiled CEL programs, which are not
    serialisable); flows pass stamps and facts around, never policies.
    """
    return load_policy(kind, as_of, get_settings().policies_dir).stamp

"""Partners' webhooks: endpoints a partner's admin registers, events published in the
transaction of the change they report, deliveries signed as Standard Webhooks says, retried,
once per event and endpoint, replayable from the portal."""

from partnerflow.webhooks.delivery import (
    DeliveryLine,
    WebhookReport,
    deliver_webhooks,
    deliveries_of,
    replay,
    signed_request,
)
from partnerflow.webhooks.endpoints import (
    EVENT_TYPES,
    EndpointRefused,
    MadeEndpoint,
    add_endpoint,
    disable_endpoint,
    endpoints_of,
    rotate_secret,
)
from partnerflow.webhooks.publishing import listeners, publish

__all__ = [
    "EVENT_TYPES",
    "DeliveryLine",
    "EndpointRefused",
    "MadeEndpoint",
    "WebhookReport",
    "add_endpoint",
    "deliver_webhooks",
    "deliveries_of",
    "disable_endpoint",
    "endpoints_of",
    "listeners",
    "publish",
    "replay",
    "rotate_secret",
    "signed_request",
]

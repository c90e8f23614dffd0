"""Stripe: the card gateway (``gateway.StripeGateway``) and webhook verification
(``webhooks.parse_event``). The only package that imports the ``stripe`` SDK."""

from commerce.integrations.stripe.gateway import StripeGateway
from commerce.integrations.stripe.webhooks import InvalidWebhook, StripeEvent, parse_event

__all__ = ["InvalidWebhook", "StripeEvent", "StripeGateway", "parse_event"]

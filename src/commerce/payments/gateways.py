"""Which card gateway this shop has: Stripe when its keys are set, otherwise none (the
manual gateway needs no processor; its payments are recorded by staff)."""

from __future__ import annotations

from functools import cache

from commerce.payments.gateway import PaymentGateway
from commerce.settings import Settings


@cache
def gateway_for(settings: Settings) -> PaymentGateway | None:
    """The card gateway for these settings (one per settings, kept for the process), or
    None when no card processor is configured."""
    if not settings.stripe_enabled:
        return None
    # Imported here: only integrations/stripe imports the SDK, and only shops using it.
    from commerce.integrations.stripe.gateway import StripeGateway

    gateway: PaymentGateway = StripeGateway(settings)
    return gateway

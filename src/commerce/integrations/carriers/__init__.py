"""Carrier integrations: verifying and reading their tracking webhooks
(``webhooks.verify_and_parse``). The registry of carriers itself is domain knowledge and
lives in ``commerce.shipping.carriers``."""

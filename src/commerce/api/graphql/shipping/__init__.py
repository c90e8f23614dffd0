"""Shipping zones, methods and tax rates (staff)."""

"""Payments on orders: types and staff mutations."""

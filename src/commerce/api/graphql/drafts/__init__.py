"""Draft (manual) orders for staff with MANAGE_ORDERS."""

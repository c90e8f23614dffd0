"""Customer management for staff (MANAGE_CUSTOMERS)."""

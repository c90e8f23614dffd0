"""Customer management for staff: listing with order aggregates, notes, account status."""

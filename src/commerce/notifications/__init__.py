"""Order e-mails: composed from the order's tracking log entries and sent from the outbox."""

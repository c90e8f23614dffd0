"""The books: a chart of accounts, an immutable double-entry journal and the pure rules that
turn business facts into balanced journal lines."""

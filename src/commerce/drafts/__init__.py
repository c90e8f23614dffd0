"""Draft orders: manual orders staff take by phone or e-mail, completed into real orders."""

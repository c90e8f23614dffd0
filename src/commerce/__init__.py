"""commerce: a headless commerce backend with a typed GraphQL API."""

__version__ = "0.1.0"

"""Adapters to outside services. Each subpackage is the only code importing its SDK."""

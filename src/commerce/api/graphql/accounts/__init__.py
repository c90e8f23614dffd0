"""Accounts GraphQL: users, addresses, sign-in and staff."""

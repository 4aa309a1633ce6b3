"""Staff accounts: users, roles scoped to org units, API tokens."""

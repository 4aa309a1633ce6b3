"""The audit log: every write, and every read of personal data."""

"""Scheduled jobs of the core and plugins: one run per due time across all workers."""

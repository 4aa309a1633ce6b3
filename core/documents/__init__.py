"""Issued documents that anyone can verify by QR code."""

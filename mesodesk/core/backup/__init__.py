"""Encrypted backups that are restored, not just taken (see docs/SECURITY.md, "Backups")."""

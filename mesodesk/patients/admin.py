"""Patients are deliberately not in the Django admin.

Every read of a chart must be audited and scoped to a clinic; the admin does neither, so
clinical data is reached only through the audited pages and API.
"""

"""Modeler: the Django project (settings, urls, API plumbing shared by every app, roles)."""

"""API plumbing shared by every app: envelopes, paging, parsers, errors, authentication."""

API_PREFIX = "/modeling-service/v1/"

"""API plumbing shared by every app: envelopes, paging, parsers, errors, authentication."""

API_PREFIX = "/modeling-service/v1/"
# Every REST API of Modeler: errors made outside DRF (404, 500, CSRF, bad URLs) answer in the
# API's JSON shape under these, and pages elsewhere.
API_PREFIXES = (API_PREFIX, "/deployment-service/v1/")


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)

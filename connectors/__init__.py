"""Connectors: the CONNECTOR model type, its checks, the implementation catalog and the editor."""

"""Deployment descriptors made from releases (SPEC §8.2, APS_DEVOPS); the modeling apps never import it."""

"""Settings of the benchmark server: the real settings with the floor routes added."""

from modeler.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

"""The one settings module, driven by environment variables.

MODELER_ENV=development (default) runs on SQLite with DEBUG and a throw-away secret key;
MODELER_ENV=production requires SECRET_KEY and ALLOWED_HOSTS and turns on every
`check --deploy` hardening. DATABASE_URL selects the database in both.
"""

import base64
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = os.environ.get("MODELER_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("MODELER_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = _env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when MODELER_ENV=production")
    SECRET_KEY = "insecure-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when MODELER_ENV=production")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "guardian",
    "axes",
    "modeler",
    "projects",
    "connectors",
    "processes",
    "deployments",
    "runs",
]

MIDDLEWARE = [
    "modeler.middleware.DrainRequestBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "modeler.middleware.DatabaseUnavailableMiddleware",
    "modeler.middleware.UnstorableURLMiddleware",
    "modeler.middleware.NotFoundPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "modeler.urls"
WSGI_APPLICATION = "modeler.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the embedded default; a persistent connection buys nothing there.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction begins: one that reads and then writes can otherwise
    # not wait for another writer (the upgrade fails at once: a 503 under concurrent starts).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out (username, address)
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# build/: the bundles of frontend/ made by `npm run build` (bin/setup), never committed.
STATICFILES_DIRS = [BASE_DIR / "static", ("build", BASE_DIR / "var" / "frontend-build")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

MODELER_WORKSPACE_DIR = Path(os.environ.get("MODELER_WORKSPACE_DIR", BASE_DIR / "var" / "workspace"))


def _workspace_storage(environ) -> dict:
    """The storage of the project workspace (projects/workspace_storage.py).

    MODELER_WORKSPACE_STORAGE=local (default): the folder MODELER_WORKSPACE_DIR, which several app
    servers may share on one volume. MODELER_WORKSPACE_STORAGE=s3: an S3-compatible bucket through
    django-storages, from MODELER_WORKSPACE_S3_BUCKET (required), _PREFIX (default "workspace";
    everything under it belongs to the workspace), _ENDPOINT_URL (MinIO, Ceph …), _REGION,
    _ADDRESSING_STYLE (path|virtual) and _ACCESS_KEY_ID/_SECRET_ACCESS_KEY; without these two
    boto3 finds credentials itself (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, a role).
    """
    kind = environ.get("MODELER_WORKSPACE_STORAGE", "local").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "projects.workspace_storage.LocalWorkspaceStorage"}
    if kind != "s3":
        raise ImproperlyConfigured("MODELER_WORKSPACE_STORAGE must be 'local' or 's3'")
    bucket = environ.get("MODELER_WORKSPACE_S3_BUCKET", "").strip()
    if not bucket:
        raise ImproperlyConfigured("MODELER_WORKSPACE_STORAGE=s3 needs MODELER_WORKSPACE_S3_BUCKET")
    options = {
        "bucket_name": bucket,
        "location": environ.get("MODELER_WORKSPACE_S3_PREFIX", "workspace").strip("/"),
        "file_overwrite": True,  # the workspace rewrites a project's files in place
        "default_acl": None,  # the bucket's own policy: private unless the operator says otherwise
        "querystring_auth": True,
    }
    for variable, option in [
        ("MODELER_WORKSPACE_S3_ENDPOINT_URL", "endpoint_url"),
        ("MODELER_WORKSPACE_S3_REGION", "region_name"),
        ("MODELER_WORKSPACE_S3_ADDRESSING_STYLE", "addressing_style"),
        ("MODELER_WORKSPACE_S3_ACCESS_KEY_ID", "access_key"),
        ("MODELER_WORKSPACE_S3_SECRET_ACCESS_KEY", "secret_key"),
    ]:
        if environ.get(variable, "").strip():
            options[option] = environ[variable].strip()
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES["workspace"] = _workspace_storage(os.environ)

# Secure connector variables of deployment descriptors are encrypted at rest (Fernet): the first
# key of MODELER_SECRETS_KEYS encrypts, all decrypt (rotation: list a new key first, run
# `manage.py rotate_secrets`, then drop the old one). Production refuses to start without it;
# development uses a fixed, public key and says so (system check deployments.W001).
MODELER_SECRETS_KEYS = _env_list("MODELER_SECRETS_KEYS")
MODELER_SECRETS_DEVELOPMENT_KEY = not MODELER_SECRETS_KEYS
if MODELER_SECRETS_DEVELOPMENT_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "MODELER_SECRETS_KEYS must be set when MODELER_ENV=production (comma-separated Fernet keys; "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
    MODELER_SECRETS_KEYS = ["bW9kZWxlci1kZXZlbG9wbWVudC1rZXktbm90LXNlY3I="]  # the public development key
for _key in MODELER_SECRETS_KEYS:
    try:
        _key_ok = len(base64.urlsafe_b64decode(_key.encode("ascii"))) == 32
    except (ValueError, UnicodeError):
        _key_ok = False
    if not _key_ok:
        raise ImproperlyConfigured(
            "MODELER_SECRETS_KEYS: every key must be a Fernet key (32 url-safe base64 bytes)"
        )

# Request-size caps (SPEC §9). Django's own cap answers with an HTML 400; our API parsers
# enforce the per-kind caps first and answer JSON 413, so Django's cap sits above them.
MODELER_MAX_JSON_BYTES = 1 * 1024 * 1024
MODELER_MAX_XML_BYTES = 5 * 1024 * 1024
MODELER_MAX_ZIP_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MODELER_MAX_ZIP_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "modeler.api.authentication.SessionAuthentication",
        "modeler.api.authentication.BasicAuthentication",
        "modeler.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["modeler.roles.IsModeler"],
    "DEFAULT_PARSER_CLASSES": ["modeler.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["modeler.api.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "modeler.api.pagination.ModelingPagination",
    "EXCEPTION_HANDLER": "modeler.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Modeler modeling service",
    "DESCRIPTION": "REST API of the Modeler modeling application, in the shape of APA's modeling service.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/modeling-service/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "modeler.api.openapi.add_error_responses",
    ],
}

# Failed sign-ins (the sign-in page, the admin, the API's HTTP Basic) are counted by django-axes
# in state every worker shares: the database, or Redis when REDIS_URL is set. A counter in a
# worker's memory let 19 of 24 guesses through a limit of 5 with 4 workers.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGIN_THROTTLE_ATTEMPTS = int(os.environ.get("LOGIN_THROTTLE_ATTEMPTS", "5"))
LOGIN_THROTTLE_WINDOW_SECONDS = 300
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler" if REDIS_URL else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_FAILURE_LIMIT = LOGIN_THROTTLE_ATTEMPTS
# Per (username, address) pair, so that one attacker cannot lock everybody out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_THROTTLE_WINDOW_SECONDS)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "modeler.views.locked_out_response"
# HTTP Basic: verified credentials are remembered this long (keyed by an HMAC, never the password).
BASIC_AUTH_CACHE_SECONDS = int(os.environ.get("BASIC_AUTH_CACHE_SECONDS", "60"))

# A strict site-wide Content-Security-Policy (django-csp): scripts only from our own static
# files (no inline script: pages pass data with json_script), nothing may frame us, no plugins.
# Inline *styles* stay allowed: bpmn-js and the admin set style attributes on elements they draw.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Stored model files are hostile until proven otherwise: served with this policy, as attachments.
STORED_FILE_CONTENT_SECURITY_POLICY = {"default-src": ["'none'"], "sandbox": True}
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "modeler.error_views.csrf_failure"
CSRF_COOKIE_HTTPONLY = False  # the editors read it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

"""Settings: one pydantic model read from environment variables, validated once at cold start.

Every variable is documented in the README (section "Configuration"). A bad configuration raises ONE
``FuseFaceError("InvalidParameterValue.Configuration")`` whose message names every bad variable.
Credentials are *not* settings: they are read per invocation by :func:`credentials_from_env`.
This module imports no SDK.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Tuple

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from . import ids
from .errors import FuseFaceError
from .regions import DEFAULT_REGION, REGION_CODES
from .validation import field_errors

__all__ = ["Credentials", "Settings", "credentials_from_env", "get_settings", "load_settings"]

def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseModel):
    """The function's configuration; field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    # FuseFace
    project_id: Optional[str] = Field(None, alias="FUSEFACE_PROJECT_ID")
    model_id: Optional[str] = Field(None, alias="FUSEFACE_MODEL_ID")
    region: str = Field(DEFAULT_REGION, alias="FUSEFACE_REGION", pattern=r"^[a-z]{2,3}-[a-z0-9-]+$")
    endpoint: str = Field("facefusion.tencentcloudapi.com", alias="FUSEFACE_ENDPOINT", min_length=3)
    scheme: str = Field("https", alias="FUSEFACE_SCHEME", pattern=r"^https?$")
    # Face detection for POST /detect (iai DetectFace 2020-03-03); same region and scheme as FuseFace.
    iai_endpoint: str = Field("iai.tencentcloudapi.com", alias="FUSEFACE_IAI_ENDPOINT", min_length=3)
    timeout: float = Field(30.0, alias="FUSEFACE_TIMEOUT", gt=0, le=900)
    face_degree: Optional[int] = Field(None, alias="FUSEFACE_FACE_DEGREE", ge=0, le=100)
    profile_degree: Optional[int] = Field(None, alias="FUSEFACE_PROFILE_DEGREE", ge=0, le=100)
    logo_add: int = Field(1, alias="FUSEFACE_LOGO_ADD", ge=0, le=1)
    ai_label: bool = Field(True, alias="FUSEFACE_AI_LABEL")
    ai_label_key: str = Field("AIGC", alias="FUSEFACE_AI_LABEL_KEY", min_length=1, max_length=32)
    ai_label_producer: str = Field("scf-fuseface", alias="FUSEFACE_AI_LABEL_PRODUCER", min_length=1, max_length=64)
    # FuseFaceUltra (the template comes with the call; see ultra.py)
    ultra_template_key: Optional[str] = Field(None, alias="FUSEFACE_ULTRA_TEMPLATE_KEY", max_length=1024)
    ultra_swap_model_type: Optional[int] = Field(None, alias="FUSEFACE_ULTRA_SWAP_MODEL_TYPE", ge=1, le=6)
    ultra_warp_radio: Optional[float] = Field(None, alias="FUSEFACE_ULTRA_WARP_RADIO", ge=0, le=1)
    ultra_enhance_radio: Optional[float] = Field(None, alias="FUSEFACE_ULTRA_ENHANCE_RADIO", ge=0, le=1)
    ultra_mp_radio: Optional[float] = Field(None, alias="FUSEFACE_ULTRA_MP_RADIO", ge=0, le=1)
    ultra_teeth_enhance_radio: Optional[float] = Field(None, alias="FUSEFACE_ULTRA_TEETH_ENHANCE_RADIO", ge=0, le=1)
    ultra_makeup_transfer_radio: Optional[float] = Field(None, alias="FUSEFACE_ULTRA_MAKEUP_TRANSFER_RADIO", ge=0,
                                                         le=1)
    # COS
    cos_ip: Optional[str] = Field(None, alias="FUSEFACE_COS_IP")
    cos_port: Optional[int] = Field(None, alias="FUSEFACE_COS_PORT", ge=1, le=65535)
    cos_scheme: str = Field("https", alias="FUSEFACE_COS_SCHEME", pattern=r"^https?$")
    cos_region: Optional[str] = Field(None, alias="FUSEFACE_COS_REGION", pattern=r"^[a-z]{2,3}-[a-z0-9-]+$")
    cos_timeout: float = Field(30.0, alias="FUSEFACE_COS_TIMEOUT", gt=0, le=900)
    region_map: Dict[str, str] = Field(default_factory=dict, alias="FUSEFACE_REGION_MAP")
    output_bucket: Optional[str] = Field(None, alias="FUSEFACE_OUTPUT_BUCKET", pattern=r"^[a-z0-9-]+-\d+$")
    output_prefix: str = Field("fused/", alias="FUSEFACE_OUTPUT_PREFIX", min_length=1)
    failure_prefix: str = Field("failed/", alias="FUSEFACE_FAILURE_PREFIX", min_length=1)
    trigger_prefix: str = Field("uploads/", alias="FUSEFACE_TRIGGER_PREFIX")
    model_id_pattern: str = Field(ids.DEFAULT_MODEL_ID_PATTERN, alias="FUSEFACE_MODEL_ID_PATTERN", min_length=1)
    trigger_bucket: Optional[str] = Field(None, alias="FUSEFACE_TRIGGER_BUCKET", pattern=r"^[a-z0-9-]+-\d+$")
    http_bucket: Optional[str] = Field(None, alias="FUSEFACE_HTTP_BUCKET", pattern=r"^[a-z0-9-]+-\d+$")
    presign_expires: int = Field(3600, alias="FUSEFACE_PRESIGN_EXPIRES", ge=60, le=7 * 24 * 3600)
    # HTTP
    cors_origins: List[str] = Field(default_factory=list, alias="FUSEFACE_CORS_ORIGINS")
    api_keys: List[SecretStr] = Field(default_factory=list, alias="FUSEFACE_API_KEYS", repr=False)
    http_max_response_bytes: int = Field(6 * 1000 * 1000, alias="FUSEFACE_HTTP_MAX_RESPONSE_BYTES", ge=1024)
    # The HTTP client's wait (API Gateway serviceTimeout / Function URL timeout); None: the trigger's default
    # (handlers/apigw.py, handlers/function_url.py).
    http_timeout_ms: Optional[int] = Field(None, alias="FUSEFACE_HTTP_TIMEOUT_MS", ge=1000)
    # Load: the account's FuseFace QPS shared by at most this many instances (ratelimit.py), and how long a
    # delivery waits for another invocation that holds the same upload's claim (claims.py)
    qps: float = Field(20.0, alias="FUSEFACE_QPS", gt=0, le=10000)
    max_instances: int = Field(1, alias="FUSEFACE_MAX_INSTANCES", ge=1, le=100000)
    claim_wait_s: float = Field(15.0, alias="FUSEFACE_CLAIM_WAIT_S", ge=0, le=900)
    # Retries inside one invocation
    retry_max_attempts: int = Field(5, alias="FUSEFACE_RETRY_MAX_ATTEMPTS", ge=1, le=20)
    retry_base_delay: float = Field(0.5, alias="FUSEFACE_RETRY_BASE_DELAY", ge=0, le=60)
    retry_max_delay: float = Field(8.0, alias="FUSEFACE_RETRY_MAX_DELAY", ge=0, le=300)
    safety_margin_ms: int = Field(2000, alias="FUSEFACE_SAFETY_MARGIN_MS", ge=0)
    default_time_limit_ms: int = Field(60000, alias="FUSEFACE_DEFAULT_TIME_LIMIT_MS", ge=1000)
    log_level: str = Field("INFO", alias="FUSEFACE_LOG_LEVEL", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")

    @field_validator("cors_origins", "api_keys", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("region_map", mode="before")
    @classmethod
    def _region_map(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        mapping = {}
        for item in _split_list(value):
            code, sep, region = item.partition("=")
            if not sep or not code.strip() or not region.strip():
                raise ValueError(f"expected 'code=region,...', got {item!r}")
            mapping[code.strip()] = region.strip()
        return mapping

    @field_validator("ultra_template_key")
    @classmethod
    def _template_key(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and (not value.strip().lstrip("/") or value.strip().endswith("/")):
            raise ValueError("must name an object: a key in the bucket, or bucket-appid/key")
        return value.strip() if value is not None else None

    @field_validator("output_prefix", "failure_prefix", "trigger_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = value.lstrip("/")
        if value and not value.endswith("/"):
            value += "/"
        return value

    @field_validator("model_id_pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        return value

    @field_validator("scheme", "cos_scheme", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    # --- derived ---------------------------------------------------------------------------------------
    def cos_region_for(self, code: str) -> str:
        """API region of a COS event's bucket region code ("gz" -> "ap-guangzhou"); overrides win."""
        if self.cos_region:
            return self.cos_region
        if code in self.region_map:
            return self.region_map[code]
        if code in REGION_CODES:
            return REGION_CODES[code]
        if "-" in code:
            return code
        raise FuseFaceError(
            "InvalidParameterValue.Configuration",
            f"Unknown COS region code {code!r}; add it to FUSEFACE_REGION_MAP (e.g. '{code}=ap-xxx').",
        )

    def api_key_values(self) -> Tuple[str, ...]:
        return tuple(key.get_secret_value() for key in self.api_keys)


def _recursion_problems(s: Settings) -> List[str]:
    """Output/failure prefixes must not overlap the trigger filter when they can land in the trigger bucket."""
    same_bucket = s.output_bucket is None or s.trigger_bucket is None or s.output_bucket == s.trigger_bucket
    if not same_bucket:
        return []
    problems = []
    for name, prefix in (("FUSEFACE_OUTPUT_PREFIX", s.output_prefix), ("FUSEFACE_FAILURE_PREFIX", s.failure_prefix)):
        trig = s.trigger_prefix
        if prefix.startswith(trig) or trig.startswith(prefix):
            problems.append(
                f"{name}={prefix!r} overlaps FUSEFACE_TRIGGER_PREFIX={trig!r}: results would re-trigger the "
                "function (use another prefix or FUSEFACE_OUTPUT_BUCKET)"
            )
    return problems


def _id_problems(s: Settings) -> List[str]:
    """FUSEFACE_PROJECT_ID and FUSEFACE_MODEL_ID that cannot belong together (see ``ids.project_problem``)."""
    if not s.project_id or not s.model_id or ids.project_of(s.model_id):
        return []  # a legacy qc_ ModelId names its own activity: routing uses that one
    problem = ids.project_problem(s.project_id, s.model_id)
    return [f"FUSEFACE_PROJECT_ID={s.project_id!r} and FUSEFACE_MODEL_ID={s.model_id!r}: {problem}"] if problem else []


_EMPTY_IS_A_VALUE = {"FUSEFACE_TRIGGER_PREFIX"}
_ROUTING_VARS = {"FUSEFACE_OUTPUT_BUCKET", "FUSEFACE_TRIGGER_BUCKET", "FUSEFACE_OUTPUT_PREFIX",
                 "FUSEFACE_FAILURE_PREFIX", "FUSEFACE_TRIGGER_PREFIX"}
_ENV_VARS = tuple(str(field.alias) for field in Settings.model_fields.values())


def load_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Build and validate :class:`Settings` from ``environ`` (default ``os.environ``).

    Raises one ``FuseFaceError("InvalidParameterValue.Configuration")`` naming every bad variable.
    Empty strings count as unset, except FUSEFACE_TRIGGER_PREFIX where "" means the whole bucket.
    """
    env = os.environ if environ is None else environ
    raw = {alias: env[alias] for alias in _ENV_VARS
           if alias in env and (env[alias].strip() != "" or alias in _EMPTY_IS_A_VALUE)}
    problems: List[str] = []
    settings: Optional[Settings] = None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        for err in field_errors(exc):
            alias = err.field.partition(".")[0] or "?"
            shown = "<hidden>" if alias == "FUSEFACE_API_KEYS" else repr(raw.get(alias))
            problems.append(f"{alias}={shown}: {err.message}")
    # The recursion check runs even when unrelated variables are bad, so one message names everything.
    routing = {k: v for k, v in raw.items() if k in _ROUTING_VARS}
    try:
        problems.extend(_recursion_problems(Settings.model_validate(routing)))
    except ValidationError:
        pass  # those variables are already reported above
    if settings is not None:
        problems.extend(_id_problems(settings))
    if problems:
        raise FuseFaceError(
            "InvalidParameterValue.Configuration",
            f"Invalid configuration ({len(problems)} problem(s)): " + "; ".join(problems),
        )
    assert settings is not None
    return settings


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from ``os.environ``, validated once per function instance (a bad configuration is not
    cached: it raises on every call). SCF's environment is fixed for an instance's life; code that changes
    ``os.environ`` afterwards (tests, the local replay and serve) calls ``get_settings.cache_clear()``."""
    return load_settings()


@dataclass(frozen=True)
class Credentials:
    secret_id: str
    secret_key: str
    token: Optional[str] = None

    def __repr__(self) -> str:  # never show the secret
        return f"Credentials(secret_id={self.secret_id[:4]}..., token={'yes' if self.token else 'no'})"


def credentials_from_env(environ: Optional[Mapping[str, str]] = None) -> Credentials:
    """SCF's role credentials (TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN), read on every invocation."""
    env = os.environ if environ is None else environ
    secret_id = env.get("TENCENTCLOUD_SECRETID", "").strip()
    secret_key = env.get("TENCENTCLOUD_SECRETKEY", "").strip()
    if not secret_id or not secret_key:
        missing = [n for n, v in (("TENCENTCLOUD_SECRETID", secret_id), ("TENCENTCLOUD_SECRETKEY", secret_key)) if not v]
        raise FuseFaceError("InvalidCredential", f"Missing credentials: {', '.join(missing)} (set an execution role).")
    token = env.get("TENCENTCLOUD_SESSIONTOKEN", "").strip() or None
    return Credentials(secret_id, secret_key, token)

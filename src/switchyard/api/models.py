"""Request and response bodies of the API (camelCase on the wire, as in the eDRV API)."""

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    field_validator,
)
from pydantic_core import PydanticCustomError

from switchyard.clock import iso_utc

Timestamp = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]


V = TypeVar("V")


def _refuse_null(value: V | None) -> V:
    # Runs only for a field the client sent: absent fields keep their default and stay untouched.
    if value is None:
        raise PydanticCustomError("not_null", "must not be null")
    return value


# A PATCH field that may be left out, but not set to null (there is nothing to clear).
NotNull = AfterValidator(_refuse_null)


def _refuse_bool(value: object) -> object:
    # JSON true is not the security profile 1, whatever Python thinks of True == 1.
    if isinstance(value, bool):
        raise PydanticCustomError("literal_error", "Input should be 1, 2 or 3")
    return value


def control_character(value: object) -> tuple[int, str] | None:
    """The first control character in a string (or in strings nested in lists), with its position."""
    if isinstance(value, str):
        for position, char in enumerate(value):
            # Tabs and line breaks are text; the rest (NUL above all, which PostgreSQL cannot store) is not.
            if (char < " " and char not in "\t\n\r") or char == "\x7f":
                return position + 1, f"U+{ord(char):04X}"
    elif isinstance(value, list):
        for item in value:
            found = control_character(item)
            if found is not None:
                return found
    return None


class Body(BaseModel):
    """Request bodies: unknown fields are errors, not silently ignored; booleans are JSON booleans
    (not "yes" or 1); text holds no control characters."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: object) -> object:
        found = control_character(value)
        if found is not None:
            position, code = found
            raise PydanticCustomError(
                "control_character",
                "must not contain control characters; found {code} at character {position}",
                {"code": code, "position": position},
            )
        return value

    def given(self, **renamed: str) -> dict[str, Any]:
        """The fields the client sent, by attribute name or the name `renamed` gives it: all that a
        PATCH changes (a field left out stays as it is; one sent as null is cleared)."""
        return {renamed.get(name, name): getattr(self, name) for name in self.model_fields_set}


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# -- operators ----------------------------------------------------------------------------------


class OperatorIn(Body):
    name: str = Field(min_length=1, max_length=100)
    platform: bool = Field(False, strict=True)


class OperatorPatch(Body):
    name: Annotated[str | None, NotNull] = Field(None, min_length=1, max_length=100)
    # The recommended baseline of seed 002: desired values, and the keys they pin.
    baseline_enabled: Annotated[bool | None, NotNull] = Field(None, alias="baselineEnabled", strict=True)


class OperatorOut(Out):
    id: str = Field(alias="_id")
    name: str
    platform: bool
    baseline_enabled: bool = Field(alias="baselineEnabled")
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")


# -- API keys -----------------------------------------------------------------------------------


ScopeName = Literal["read", "write", "admin"]


class ApiKeyIn(Body):
    name: str = Field(min_length=1, max_length=100)
    scope: ScopeName = "read"
    # Platform admins may create a key for another operator.
    operator: str | None = None


class ApiKeyOut(Out):
    id: str = Field(alias="_id")
    operator: str
    name: str
    scope: ScopeName
    created_at: Timestamp = Field(alias="createdAt")
    last_used_at: Timestamp | None = Field(alias="lastUsedAt")
    revoked_at: Timestamp | None = Field(alias="revokedAt")


class CreatedApiKeyOut(ApiKeyOut):
    # The only time the key is ever shown.
    key: str


# -- sites --------------------------------------------------------------------------------------


class SiteIn(Body):
    name: str = Field(min_length=1, max_length=100)
    address: str | None = Field(None, max_length=300)


class SitePatch(Body):
    name: Annotated[str | None, NotNull] = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, max_length=300)


class SiteOut(Out):
    id: str = Field(alias="_id")
    operator: str
    name: str
    address: str | None
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")


# -- charge stations ----------------------------------------------------------------------------

OcppVersionName = Literal["1.6", "2.0.1"]
RegistrationStateName = Literal["accepted", "pending", "rejected"]
SecurityProfile = Annotated[Literal[1, 2, 3], BeforeValidator(_refuse_bool)]


class StationIn(Body):
    identity: str = Field(min_length=1, max_length=48)
    serial_number: str | None = Field(None, alias="serialNumber", max_length=25)
    ocpp_version: OcppVersionName = Field(alias="ocppVersion")
    security_profile: SecurityProfile = Field(alias="securityProfile")
    password: str | None = None
    site: str | None = None
    registration_state: RegistrationStateName = Field("accepted", alias="registrationState")


class StationPatch(Body):
    """null clears serialNumber and site; a null password removes it (security profile 3 only)."""

    serial_number: str | None = Field(None, alias="serialNumber", max_length=25)
    ocpp_version: Annotated[OcppVersionName | None, NotNull] = Field(None, alias="ocppVersion")
    security_profile: Annotated[SecurityProfile | None, NotNull] = Field(None, alias="securityProfile")
    password: str | None = None
    site: str | None = None
    registration_state: Annotated[RegistrationStateName | None, NotNull] = Field(None, alias="registrationState")


class LiveOut(Out):
    connected: bool
    connection_state: str = Field(alias="connectionState")
    connected_at: Timestamp | None = Field(alias="connectedAt")
    last_seen_at: Timestamp | None = Field(alias="lastSeenAt")
    last_boot_at: Timestamp | None = Field(alias="lastBootAt")
    last_boot_status: str | None = Field(alias="lastBootStatus")
    last_boot_reason: str | None = Field(alias="lastBootReason")


class StationOut(Out):
    id: str = Field(alias="_id")
    identity: str
    operator: str
    site: str | None
    serial_number: str | None = Field(alias="serialNumber")
    ocpp_version: str = Field(alias="ocppVersion")
    security_profile: int = Field(alias="securityProfile")
    has_password: bool = Field(alias="hasPassword")
    registration_state: str = Field(alias="registrationState")
    vendor: str | None
    model: str | None
    firmware_version: str | None = Field(alias="firmwareVersion")
    iccid: str | None
    imsi: str | None
    firmware_status: str | None = Field(alias="firmwareStatus")
    diagnostics_status: str | None = Field(alias="diagnosticsStatus")
    live: LiveOut
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")


class CreatedStationOut(StationOut):
    # Present only when Switchyard generated the password; shown this once.
    password: str | None = None


# -- configuration and actions --------------------------------------------------------------------


class ConfigurationChangeIn(Body):
    """One change: the eDRV body `{key, value}`, plus Switchyard's optional `reason` and `attributeType`."""

    # Longer than any valid name, so the configuration checks can say what exactly is too long.
    key: str = Field(min_length=1, max_length=300)
    # A string as in OCPP; numbers, booleans and lists of strings are written as the station holds them
    # (checked by the configuration service, which says exactly what it got).
    value: Any
    reason: str | None = Field(None, max_length=500)
    attribute_type: Literal["Actual", "Target", "MinSet", "MaxSet"] | None = Field(None, alias="attributeType")


def _one_or_many(body: Any) -> str | None:
    if isinstance(body, list):
        return "changes"
    if isinstance(body, dict):
        return "change"
    return None


# The names the two shapes carry in error locations; the envelope leaves them out of its messages.
CHANGE_BODY_TAGS = frozenset({"change", "changes"})

# One change, or a list of them; told apart by shape, so errors name only the shape that was sent.
ConfigurationChangesIn = Annotated[
    Annotated[ConfigurationChangeIn, Tag("change")] | Annotated[list[ConfigurationChangeIn], Tag("changes")],
    Discriminator(
        _one_or_many,
        custom_error_type="change_body",
        custom_error_message="must be a change {key, value} or a list of changes",
    ),
]


class ResetIn(Body):
    type: Literal["Hard", "Soft", "Immediate", "OnIdle"]
    # Reset even while a transaction runs (it will be stopped).
    force: bool = Field(False, strict=True)
    reason: str | None = Field(None, max_length=500)

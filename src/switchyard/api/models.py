"""Request and response bodies of the API (camelCase on the wire, as in the eDRV API)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from switchyard.clock import iso_utc

Timestamp = Annotated[datetime, PlainSerializer(iso_utc, return_type=str)]


class Body(BaseModel):
    """Request bodies: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# -- operators ----------------------------------------------------------------------------------


class OperatorIn(Body):
    name: str = Field(min_length=1, max_length=100)
    platform: bool = False


class OperatorPatch(Body):
    name: str | None = Field(None, min_length=1, max_length=100)


class OperatorOut(Out):
    id: str = Field(alias="_id")
    name: str
    platform: bool
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
    name: str | None = Field(None, min_length=1, max_length=100)
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


class StationIn(Body):
    identity: str = Field(min_length=1, max_length=48)
    serial_number: str | None = Field(None, alias="serialNumber", max_length=25)
    ocpp_version: OcppVersionName = Field(alias="ocppVersion")
    security_profile: Literal[1, 2, 3] = Field(alias="securityProfile")
    password: str | None = None
    site: str | None = None
    registration_state: RegistrationStateName = Field("accepted", alias="registrationState")


class StationPatch(Body):
    serial_number: str | None = Field(None, alias="serialNumber", max_length=25)
    ocpp_version: OcppVersionName | None = Field(None, alias="ocppVersion")
    security_profile: Literal[1, 2, 3] | None = Field(None, alias="securityProfile")
    password: str | None = None
    site: str | None = None
    registration_state: RegistrationStateName | None = Field(None, alias="registrationState")


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

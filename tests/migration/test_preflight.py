"""Every preflight refusal, for a real run and for a dry run, through node A's API with simulated
stations; and requests the API refuses before there is a migration at all.

A refused station is sent nothing that changes it. A dry run answers 200 with status `planned`, no
`_id` and each station's verdict, and changes no station either: the simulated stations' received
calls are the proof.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.api.helpers import make_tenant
from tests.configuration.support import change as change_setting
from tests.configuration.support import ok_result, wait_action
from tests.migration.conftest import FAST
from tests.migration.scenarios import (
    changes,
    dead_url,
    key_changed,
    member,
    request,
    station_spec,
    stations_at,
    variable_changed,
    wait_step,
)
from tests.migration.support import ended, served_api, start_migration, wait_for_migration
from tests.sim.support import register, spec_for, station_id
from tests.support import RunningNode, running_node, tls_settings

NOWHERE = "ws://127.0.0.1:1/ocpp"
WSS_NOWHERE = "wss://127.0.0.1:1/ocpp"
# What a dry run shows of a station that passes: still pending, and the slot it would write.
PASSES = ("pending", "would write slot 2")


def verdicts(job: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    return {s["identity"]: (s["state"], s["reason"]) for s in job["stations"]}


def matches(found: tuple[str, str | None], wanted: tuple[str, str]) -> bool:
    return found[0] == wanted[0] and wanted[1] in (found[1] or "")


async def dry_run(node: RunningNode, body: dict[str, Any]) -> dict[str, Any]:
    job = await start_migration(node, {**body, "dryRun": True}, status=200)
    assert (job["_id"], job["status"], job["createdAt"]) == (None, "planned", None), job
    return job


async def refused_both_ways(
    node: RunningNode,
    body: dict[str, Any],
    refused: dict[str, tuple[str, str]],
    passing: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Dry run with the refused stations and `passing` ones, then a real run with the refused ones:
    each refused station has its (state, reason fragment) in both; the dry run's answer."""
    planned = await dry_run(node, {**body, "stations": [*refused, *passing]})
    shown = verdicts(planned)
    for identity, wanted in refused.items():
        assert matches(shown[identity], wanted), (body["targetUrl"], identity, shown[identity])
    for identity in passing:
        assert matches(shown[identity], PASSES), (body["targetUrl"], identity, shown[identity])
    job = await start_migration(node, {**body, "stations": list(refused)})
    done = await wait_for_migration(node, job["_id"], ended)
    ran = verdicts(done)
    for identity, wanted in refused.items():
        assert matches(ran[identity], wanted), (body["targetUrl"], identity, ran[identity])
    return planned


async def test_urls_a_station_cannot_use_are_refused(node: RunningNode, tmp_path: Path) -> None:
    specs = [station_spec(node, "PF-16", "1.6", tmp_path), station_spec(node, "PF-201", "2.0.1", tmp_path)]
    both = ("PF-16", "PF-201")
    long_501 = "ws://127.0.0.1:1/" + "p" * (501 - len("ws://127.0.0.1:1/"))
    long_513 = "ws://127.0.0.1:1/" + "p" * (513 - len("ws://127.0.0.1:1/"))
    quoting = "must not contain whitespace, quotes or invisible characters"
    cases: list[tuple[str, dict[str, tuple[str, str]], tuple[str, ...]]] = [
        ("http://127.0.0.1:1/ocpp", dict.fromkeys(both, ("preflight_failed", "must be a ws:// or wss:// URL")), ()),
        ("ws://127.0.0.1:1/oc pp", dict.fromkeys(both, ("preflight_failed", quoting)), ()),
        ('"ws://127.0.0.1:1/ocpp"', dict.fromkeys(both, ("preflight_failed", quoting)), ()),
        ("ws://127.0.0.1:1/oc'pp", dict.fromkeys(both, ("preflight_failed", quoting)), ()),
        (
            "ws://127.0.0.1:1/ocpp/PF-16",
            {"PF-16": ("preflight_failed", "must not end with the station identity 'PF-16'")},
            ("PF-201",),
        ),
        (
            long_501,
            {"PF-16": ("preflight_failed", "targetUrl is 501 characters; this station stores at most 500")},
            ("PF-201",),
        ),
        (
            long_513,
            {
                "PF-16": ("preflight_failed", "stores at most 500"),
                "PF-201": ("preflight_failed", "targetUrl is 513 characters; this station stores at most 512"),
            },
            (),
        ),
    ]
    async with stations_at(node, *specs) as stations:
        for url, refused, passing in cases:
            await refused_both_ways(node, request(url, []), refused, passing)
        for station in stations:
            assert changes(station) == [], station.identity


async def test_a_wss_target_needs_its_root_on_the_station(node: RunningNode, tmp_path: Path) -> None:
    specs = [station_spec(node, "TLS-16", "1.6", tmp_path), station_spec(node, "TLS-201", "2.0.1", tmp_path)]
    wss = request(WSS_NOWHERE, [], securityProfile=2)
    async with stations_at(node, *specs) as (s16, s201):
        # 1.6 cannot list its roots: the operator says the root is there.
        await refused_both_ways(node, wss, {"TLS-16": ("preflight_failed", "caInstalled: true")})
        asserted = await dry_run(node, {**wss, "stations": ["TLS-16"], "caInstalled": True})
        assert matches(verdicts(asserted)["TLS-16"], PASSES)
        # 2.0.1 lists them (GetInstalledCertificateIds).
        no_root = ("preflight_failed", "no CSMS root certificate is installed on the station")
        await refused_both_ways(node, wss, {"TLS-201": no_root})
        root, other = trustme.CA().cert_pem.bytes().decode(), trustme.CA().cert_pem.bytes().decode()
        install = {"certificateType": "CSMSRootCertificate", "certificate": root}
        assert await node.sy.link.call("TLS-201", "InstallCertificate", install) == {"status": "Accepted"}
        asked = s201.received_actions().count("GetInstalledCertificateIds")
        for given in ({}, {"caCertificate": root}):
            planned = await dry_run(node, {**wss, "stations": ["TLS-201"], **given})
            assert matches(verdicts(planned)["TLS-201"], PASSES), given
        assert s201.received_actions().count("GetInstalledCertificateIds") == asked + 2
        not_ours = ("preflight_failed", "the target's root certificate (caCertificate) is not among the CSMS roots")
        await refused_both_ways(node, {**wss, "caCertificate": other}, {"TLS-201": not_ours})
        assert changes(s16) == []
        assert changes(s201) == ["InstallCertificate"], "only the test's own InstallCertificate"


@pytest.fixture
async def tls_node(tmp_path: Path) -> AsyncIterator[tuple[RunningNode, Path]]:
    folder = tmp_path / "tls"
    folder.mkdir()
    async with running_node(tmp_path / "a", **FAST, **tls_settings(folder, trustme.CA())) as running:
        yield running, folder


async def test_a_lower_security_profile_than_the_station_has_is_refused(
    tls_node: tuple[RunningNode, Path], tmp_path: Path
) -> None:
    node, folder = tls_node
    wss = f"wss://127.0.0.1:{node.sy.gateway.wss_port}/ocpp"
    specs = [
        spec_for(node, f"SP2-{v}", v, tmp_path, url=wss, security_profile=2, ca_file=folder / "ca.pem")
        for v in ("1.6", "2.0.1")
    ]
    async with stations_at(node, *specs) as stations:
        downgrade = ("preflight_failed", "securityProfile 1 is lower than the station's 2")
        await refused_both_ways(node, request(NOWHERE, []), {"SP2-1.6": downgrade, "SP2-2.0.1": downgrade})
        for station in stations:
            assert changes(station) == []


async def test_a_station_without_a_second_slot_is_unsupported(node: RunningNode, tmp_path: Path) -> None:
    one_slot = key_changed("edrv-reference-16", "NetworkConnectionProfile2", gone=True)
    async with stations_at(node, station_spec(node, "ONE-SLOT", "1.6", tmp_path, firmware=one_slot)) as (station,):
        lacks = ("unsupported", "the station lacks NetworkConnectionProfile2")
        await refused_both_ways(node, request(NOWHERE, []), {"ONE-SLOT": lacks})
        assert changes(station) == []


async def test_a_201_station_with_every_slot_in_use_is_refused_once_its_report_is_known(
    node: RunningNode, tmp_path: Path
) -> None:
    """Which slots a 2.0.1 station has is only in its report (the valuesList of
    NetworkConfigurationPriority); known, a station with no free slot is refused before anything is
    sent. (Not read, the station itself refuses the slot: test_station_refusals.py.)"""
    both_in_use = variable_changed("reboot-heavy-201", "OCPPCommCtrlr", "NetworkConfigurationPriority", value="1,2")
    spec = station_spec(node, "FULL-201", "2.0.1", tmp_path, firmware=both_in_use)
    async with stations_at(node, spec) as (station,):
        await read_configuration(node, "FULL-201")
        no_slot = ("preflight_failed", "no free network slot: slots [1, 2] are all in the priority")
        planned = await refused_both_ways(node, request(NOWHERE, []), {"FULL-201": no_slot})
        assert member(planned, "FULL-201")["before"]["slots"] == {"1": None, "2": None}
        assert changes(station) == []


async def read_configuration(node: RunningNode, identity: str) -> None:
    """Have node A read the station's whole configuration (its report, in 2.0.1) and wait for it."""
    path = f"/v1.1/chargestations/{await station_id(node, identity)}/configurations"
    read = await node.api.get(path, headers=node.auth())
    assert (await wait_action(node, ok_result(read)["_id"]))["status"] == "completed"


async def test_offline_reboot_pending_and_busy_stations_are_refused(node: RunningNode, tmp_path: Path) -> None:
    offline = spec_for(node, "OFFLINE", "1.6", tmp_path)
    await register(node, offline)
    specs = [
        station_spec(node, "REBOOT", "1.6", tmp_path, profile="reboot-heavy-16"),
        station_spec(node, "BUSY", "1.6", tmp_path),
    ]
    async with stations_at(node, *specs) as (rebooting, busy):
        await refused_both_ways(node, request(NOWHERE, []), {"OFFLINE": ("preflight_failed", "the station is offline")})

        # A change through the configuration API that the firmware applies only after a reboot.
        await read_configuration(node, "REBOOT")
        change = await change_setting(node, await station_id(node, "REBOOT"), "MeterValueSampleInterval", "30")
        changed = await wait_action(node, ok_result(change)["_id"])
        assert (changed["response_data"], changed["phase"]) == ({"status": "RebootRequired"}, "awaiting_reboot")
        pending = ("preflight_failed", "the station has a reboot pending")
        await refused_both_ways(node, request(NOWHERE, []), {"REBOOT": pending})

        # Another migration holds BUSY while it waits for its transaction to end.
        await busy.start_transaction()
        holding = await start_migration(node, request(dead_url(), ["BUSY"]))
        await wait_step(node, holding["_id"], "BUSY", "wait_idle")
        in_procedure = ("preflight_failed", f"the station is busy with another procedure: fleet job {holding['_id']}")
        await refused_both_ways(node, request(NOWHERE, []), {"BUSY": in_procedure})
        assert rebooting.received_actions().count("ChangeConfiguration") == 1, "only the configuration change"
        assert "Reset" not in changes(busy)


async def test_a_peer_that_does_not_know_the_station_refuses_it(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    unknown = spec_for(node, "NOT-AT-B", "1.6", tmp_path)
    known = spec_for(node, "AT-B", "1.6", tmp_path)
    await register(second, known)
    async with served_api(second) as b_api, stations_at(node, unknown, known) as stations:
        peer = {"mode": "peer", "apiUrl": b_api, "apiKey": second.admin_key}
        body = request(second.ws_url, [], confirmation=peer)
        not_there = ("preflight_failed", "the target Switchyard does not know the station: register it there first")
        await refused_both_ways(node, body, {"NOT-AT-B": not_there}, passing=("AT-B",))
        for station in stations:
            assert changes(station) == []


async def test_a_dry_run_shows_the_slot_it_would_write_and_the_before_picture(
    node: RunningNode, tmp_path: Path
) -> None:
    specs = [station_spec(node, "PLAN-16", "1.6", tmp_path), station_spec(node, "PLAN-201", "2.0.1", tmp_path)]
    async with stations_at(node, *specs) as stations:
        planned = await dry_run(node, request(NOWHERE, ["PLAN-16", "PLAN-201"]))
        assert planned["counts"] == {"pending": 2}
        s16, s201 = member(planned, "PLAN-16"), member(planned, "PLAN-201")
        assert (s16["state"], s16["reason"]) == PASSES
        assert (s201["state"], s201["reason"]) == PASSES
        assert s16["before"]["values"] == {
            "NetworkConnectionProfile1": node.ws_url,
            "NetworkConnectionProfile2": "",
            "NetworkConfigurationPriority": "NetworkConnectionProfile1,NetworkConnectionProfile2",
            "NetworkProfileConnectionTimeoutSec": "30",
            "SecurityProfile": "1",
        }
        assert (s16["before"]["priority"], s16["before"]["activeSlot"]) == ([1, 2], 1)
        assert s201["before"]["values"]["OCPPCommCtrlr.NetworkConfigurationPriority"] == "1"
        assert (s201["before"]["priority"], s201["before"]["activeSlot"]) == ([1], 1)
        for station in stations:
            assert changes(station) == []
            assert station.received_actions() in (["GetConfiguration"], ["GetVariables"])


# -- requests refused before there is a migration ----------------------------------------------------


BAD_REQUESTS: list[tuple[str, dict[str, Any], int, str]] = [
    ("no targetUrl", {"targetUrl": None}, 422, "targetUrl"),
    ("no confirmation", {"confirmation": None}, 422, "confirmation"),
    ("no securityProfile", {"securityProfile": None}, 422, "securityProfile"),
    ("stations and site", {"site": "depot"}, 400, "give exactly one of stations, site or filter"),
    ("stations and filter", {"filter": {"vendor": "x"}}, 400, "give exactly one of stations, site or filter"),
    ("no stations", {"stations": None}, 400, "give exactly one of stations, site or filter"),
    ("empty stations", {"stations": []}, 400, "stations: give at least one station"),
    (
        "peer mode without apiKey",
        {"confirmation": {"mode": "peer", "apiUrl": "http://127.0.0.1:1"}},
        400,
        "peer mode needs apiUrl and apiKey",
    ),
    ("caCertificate not PEM", {"caCertificate": "not a certificate"}, 400, "caCertificate is not a PEM X.509"),
    ("unknown station", {"stations": ["NO-SUCH-STATION"]}, 404, "charge station NO-SUCH-STATION not found"),
]


@pytest.mark.parametrize(("case", "change", "status", "message"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
async def test_bad_requests_are_refused_with_what_is_wrong(
    node: RunningNode, case: str, change: dict[str, Any], status: int, message: str
) -> None:
    await node.add_station("REQ-1")
    body = request(NOWHERE, ["REQ-1"])
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    for dry in (False, True):
        response = await node.api.post("/v1.1/migrations", json={**body, "dryRun": dry}, headers=node.auth())
        assert response.status_code == status, (case, response.text)
        assert response.json()["ok"] is False
        assert message in response.json()["message"], (case, response.json())
    listed = await node.api.get("/v1.1/migrations", headers=node.auth())
    assert listed.json()["result"] == [], "nothing was created"


async def test_another_operators_station_does_not_exist_for_the_caller(node: RunningNode) -> None:
    other = await make_tenant(node, "Other CPO")
    theirs = other.station["identity"]
    for ref in (theirs, other.station["_id"]):
        response = await node.api.post("/v1.1/migrations", json=request(NOWHERE, [ref]), headers=node.auth())
        assert response.status_code == 404, response.text
        assert response.json()["message"] == f"charge station {ref} not found"
    # The other way round too: its own admin key does not reach a station of ours.
    await node.add_station("OURS-1")
    response = await node.api.post(
        "/v1.1/migrations", json=request(NOWHERE, ["OURS-1"]), headers=node.auth(other.admin_key)
    )
    assert response.status_code == 404, response.text


async def test_a_refused_station_is_never_started(node: RunningNode, tmp_path: Path) -> None:
    """A real run of refused stations only: they stay refused, and the job has nothing else to do."""
    spec = station_spec(node, "NEVER", "1.6", tmp_path)
    async with stations_at(node, spec) as (station,):
        job = await start_migration(node, request("http://127.0.0.1:1/ocpp", ["NEVER"]))
        assert member(job, "NEVER")["state"] == "preflight_failed"
        assert member(job, "NEVER")["step"] == "done"
        done = await wait_for_migration(node, job["_id"], ended)
        assert done["counts"] == {"preflight_failed": 1}
        assert station.received_actions() == []

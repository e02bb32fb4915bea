from switchyard.bus.local import LocalBus, StationEvent


def test_subscribers_run_in_order_and_a_failing_one_does_not_stop_the_rest() -> None:
    bus = LocalBus()
    heard: list[str] = []

    def broken(event: StationEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe("t", lambda e: heard.append(f"a:{e.identity}"))
    bus.subscribe("t", broken)
    bus.subscribe("t", lambda e: heard.append(f"b:{e.identity}"))
    bus.subscribe("other", lambda e: heard.append("never"))
    bus.publish("t", StationEvent("id", "CP-1"))
    assert heard == ["a:CP-1", "b:CP-1"]

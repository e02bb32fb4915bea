from switchyard.bus.local import LocalBus, StationDisconnected, StationEvent, Topic

T: Topic[StationDisconnected] = Topic("t")
OTHER: Topic[StationDisconnected] = Topic("other")


def test_subscribers_run_in_order_and_a_failing_one_does_not_stop_the_rest() -> None:
    bus = LocalBus()
    heard: list[str] = []

    def broken(event: StationEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe(T, lambda e: heard.append(f"a:{e.identity}"))
    bus.subscribe(T, broken)
    bus.subscribe(T, lambda e: heard.append(f"b:{e.identity}"))
    bus.subscribe(OTHER, lambda e: heard.append("never"))
    bus.publish(T, StationDisconnected("id", "CP-1"))
    assert heard == ["a:CP-1", "b:CP-1"]

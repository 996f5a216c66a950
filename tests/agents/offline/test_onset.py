"""Change-point detection and change correlation on synthetic series."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from warroom.agents.offline.changepoint import counts_grid, detect_shift, per_minute
from warroom.agents.offline.changes import rank_suspects
from warroom.agents.offline.findings import Change, Signature

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def series(values: list[float]) -> list[tuple[datetime, float]]:
    return [(T0 + timedelta(minutes=i), v) for i, v in enumerate(values)]


def test_step_in_a_noisy_count_series_is_dated_at_its_start() -> None:
    rng = random.Random(7)
    values = [float(rng.randint(0, 3)) for _ in range(40)] + [float(rng.randint(20, 30)) for _ in range(20)]
    shift = detect_shift(series(values), counts=True)
    assert shift is not None
    assert shift.at == T0 + timedelta(minutes=40)
    assert shift.direction == "up"


def test_ramp_is_dated_where_it_starts_not_where_it_is_steepest() -> None:
    values = [1.0] * 30 + [1.0 + 3 * i for i in range(1, 21)]
    shift = detect_shift(series(values), counts=True)
    assert shift is not None
    assert T0 + timedelta(minutes=30) <= shift.at <= T0 + timedelta(minutes=32)


def test_no_change_means_no_onset() -> None:
    rng = random.Random(11)
    values = [float(rng.randint(2, 8)) for _ in range(90)]
    assert detect_shift(series(values), counts=True) is None
    assert detect_shift(series([0.35 + rng.uniform(-0.03, 0.03) for _ in range(90)])) is None


def test_a_drop_is_found_as_a_downward_shift() -> None:
    shift = detect_shift(series([50.0] * 20 + [10.0] * 20))
    assert shift is not None and shift.direction == "down" and shift.at == T0 + timedelta(minutes=20)


def test_short_series_are_not_judged() -> None:
    assert detect_shift(series([0, 0, 50, 50])) is None
    assert detect_shift([]) is None


def test_resampling_fills_gaps_and_counts_fill_zeros() -> None:
    grid = per_minute([(T0, 1.0), (T0 + timedelta(seconds=30), 3.0), (T0 + timedelta(minutes=3), 5.0)])
    assert [v for _, v in grid] == [2.0, 2.0, 2.0, 5.0]
    assert [v for _, v in counts_grid({T0: 2, T0 + timedelta(minutes=2): 1})] == [2.0, 0.0, 1.0]
    quiet_before = counts_grid({T0 + timedelta(minutes=3): 4}, T0, T0 + timedelta(minutes=4, seconds=30))
    assert [v for _, v in quiet_before] == [0.0, 0.0, 0.0, 4.0, 0.0]


def pool_signature() -> Signature:
    return Signature(family="pool_exhaustion", title="pool", detail="HikariPool-1", count=10,
                     first_seen=T0 + timedelta(minutes=5), services=["checkout-api"],
                     keywords=["hikaripool-1", "pool", "connection", "db", "max_size"], new_after_onset=True)


def change(minutes: float, message: str, files: list[str], keys: list[str] | None = None) -> Change:
    return Change(change_id=f"{abs(hash(message)):040x}"[:40], at=T0 + timedelta(minutes=minutes), author="dev",
                  message=message, files=files, keys=keys or [])


def test_the_change_on_the_failing_path_outranks_a_closer_unrelated_one() -> None:
    onset = T0 + timedelta(minutes=5)
    guilty = change(-10, "checkout: shrink DB pool", ["config/checkout.yaml"], ["DB_POOL_MAX_SIZE"])
    unrelated = change(2, "docs: fix typo in README", ["README.md"])
    suspects, after = rank_suspects([guilty, unrelated], onset, [pool_signature()], "checkout-api")
    assert suspects[0].change is guilty
    assert "pool" in suspects[0].overlap
    assert suspects[1].change is unrelated and "nothing in it relates" in suspects[1].reasons[-1]
    assert after == []


def test_a_change_after_the_onset_is_never_blamed() -> None:
    onset = T0 + timedelta(minutes=5)
    late = change(7, "checkout: shrink DB pool", ["config/checkout.yaml"], ["DB_POOL_MAX_SIZE"])
    suspects, after = rank_suspects([late], onset, [pool_signature()], "checkout-api")
    assert suspects == []
    assert after == [late]


def test_without_an_onset_no_change_is_a_suspect() -> None:
    suspects, after = rank_suspects([change(-3, "pool", ["a.yaml"])], None, [pool_signature()], "checkout-api")
    assert suspects == [] and after == []

"""Backtests: cuts, hits against what happened, quantile loss, the verdict, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from pullflow.domain.errors import Invalid
from pullflow.flow.backtest import Backtest, backtest
from pullflow.flow.history import number_of
from tests.flow.test_forecast import JAN_1, history_of


def poisson_history(days: int, rate: float = 3.0, seed: int = 2024):
    counts = np.random.default_rng(seed).poisson(rate, days)
    return counts, history_of(counts)


def test_a_steady_poisson_process_meets_p85_about_85_percent_of_the_time():
    counts, history = poisson_history(730)
    result = backtest(history, seed=1)
    # 730 days, a 90-day window and a 30-day horizon: cuts from offset 89 to offset 699,
    # every 7 days: ⌊(699 − 89)/7⌋ + 1 = 88 cuts.
    assert result.cuts == 88
    # Expected about 0.82 rather than 0.85: the window's own mean is off by about
    # √(3/90)·30 ≈ 5.5 items over 30 days, which widens the real spread from √90 to
    # √(90 + 30) items, so P(actual ≥ P15) ≈ Φ(1.04·√90/√120) ≈ Φ(0.90) ≈ 0.82.
    assert 0.75 <= result.hit_rate[85] <= 0.95
    assert result.hit_rate[50] < result.hit_rate[70] < result.hit_rate[85] < result.hit_rate[95]
    # The actuals are the counts of the 30 days after each cut, summed here from the counts.
    offsets = result.cut_days - number_of(JAN_1)
    expected = [int(counts[o + 1 : o + 31].sum()) for o in offsets]
    assert result.actual.tolist() == expected


def test_a_steady_poisson_process_meets_p85_when_asked_when():
    counts, history = poisson_history(730)
    result = backtest(history, seed=1, items=60)
    # 60 items at about 3 a day take about 20 days, always inside the history here.
    assert result.cuts == 88
    assert result.skipped == 0
    assert 0.75 <= result.hit_rate[85] <= 0.95
    # Actual days: the first day after the cut by which 60 more items had finished.
    offset = int(result.cut_days[0] - number_of(JAN_1))
    done = np.cumsum(counts[offset + 1 :])
    assert result.actual[0] == int(np.argmax(done >= 60)) + 1


def test_a_steady_two_a_day_is_always_hit_with_no_loss():
    result = backtest(history_of([2] * 200), seed=3)
    # Every forecast and every outcome is 30 days × 2 = 60 items.
    assert set(result.forecasts.ravel().tolist()) == {60}
    assert set(result.actual.tolist()) == {60}
    assert result.hit_rate == {50: 1.0, 70: 1.0, 85: 1.0, 95: 1.0}
    assert result.quantile_loss == {50: 0.0, 70: 0.0, 85: 0.0, 95: 0.0}
    when = backtest(history_of([2] * 200), seed=3, items=10)
    assert set(when.forecasts.ravel().tolist()) == {5}
    assert set(when.actual.tolist()) == {5}


def test_cuts_follow_the_window_step_and_horizon():
    result = backtest(history_of([1] * 200), trials=50, seed=1)
    # Offsets 89 (a full 90-day window) to 169 (30 days before offset 199), every 7:
    # ⌊80/7⌋ + 1 = 12 cuts, the first on 2024-01-01 + 89 = 2024-03-30, the last at offset
    # 89 + 77 = 166, 2024-06-15.
    assert result.cuts == 12
    assert np.diff(result.cut_days).tolist() == [7] * 11
    shown = result.to_json()
    assert (shown["first_cut"], shown["last_cut"]) == ("2024-03-30", "2024-06-15")
    assert shown["rows"][0]["cut"] == "2024-03-30"


def test_a_history_just_long_enough_has_one_cut_and_one_day_less_is_refused():
    assert backtest(history_of([1] * 120), trials=50, seed=1).cuts == 1
    with pytest.raises(Invalid) as refused:
        backtest(history_of([1] * 119))
    assert "the history has 119 days and one cut needs 120" in refused.value.message


def test_cuts_after_which_the_items_were_not_done_are_skipped_and_counted():
    # 2 a day for the first 100 days (offsets 0..99), then none until offset 149.
    result = backtest(history_of([2] * 100 + [0] * 50), items=10, trials=100, seed=1)
    # Cuts at offsets 89, 96, 103, 110, 117 (the last ≤ 149 − 30). After 89: offsets 90..94
    # bring 10 in 5 days. After 96 only 6 more ever finish; after 103 none: 4 skipped.
    assert result.cuts == 1
    assert result.skipped == 4
    assert result.to_json()["skipped_reasons"] == {"no_forecast": 0, "not_done": 4}
    assert result.actual.tolist() == [5]
    assert "too few to judge" in result.verdict


def test_cuts_with_nothing_finished_in_their_window_are_skipped():
    # 2 a day for offsets 0..99, none up to offset 249; cuts at 89 + 7k up to 219: 19 cuts.
    # A window [c − 89, c] is empty once c − 89 ≥ 100: cuts 194, 201, 208, 215.
    result = backtest(history_of([2] * 100 + [0] * 150), trials=100, seed=1)
    assert result.cuts == 15
    assert result.skipped_no_forecast == 4
    # After cut 89 only offsets 90..99 finish: 10 days × 2 = 20; after cut 96: 3 × 2 = 6.
    assert result.actual[:3].tolist() == [20, 6, 0]


def test_a_history_with_no_window_to_forecast_from_is_refused():
    with pytest.raises(Invalid, match="at none of its 1 cuts could a forecast be made"):
        backtest(history_of([0] * 120))


@pytest.mark.parametrize(
    ("arguments", "flag"),
    [
        ({"window_days": 0}, "--window"),
        ({"horizon_days": -1}, "--horizon"),
        ({"step_days": 0}, "--step"),
    ],
)
def test_non_positive_days_are_refused(arguments, flag):
    with pytest.raises(Invalid, match=flag):
        backtest(history_of([1] * 200), **arguments)


def test_a_cut_whose_forecast_would_pass_a_hundred_years_is_skipped():
    # Cut at offset 89: one item in its window (mean 1/90), so 500 items would take about
    # 45,000 days and no forecast is made; the next cuts see 5 a day and 500 are done by
    # offset 99 + 100 = 199 at the latest; the history runs to offset 249.
    counts = [1] + [0] * 89 + [0] * 6 + [5] * 154
    result = backtest(history_of(counts), items=500, trials=100, seed=1)
    # Cuts at 89, 96, ..., 219 (19 cuts). After cut c, 500 items need 100 days of 5 from
    # max(c + 1, 96): done by 249 only for c + 100 ≤ 249 with c ≥ 96, so cuts 96 .. 145 (8).
    assert result.skipped_no_forecast == 1
    assert result.cuts == 8
    assert result.skipped_not_done == 10


def test_no_items_and_no_trials_are_refused():
    with pytest.raises(Invalid, match="1 or more items"):
        backtest(history_of([1] * 200), items=0)
    with pytest.raises(Invalid, match="between 1 and"):
        backtest(history_of([1] * 200), trials=0)


def _made(question, forecasts, actual):
    cuts = len(actual)
    return Backtest(
        question=question,
        items=10 if question == "when" else None,
        trials=1,
        seed=0,
        window_days=90,
        horizon_days=30,
        step_days=7,
        cut_days=np.arange(cuts, dtype=np.int64),
        throughput_means=np.ones(cuts),
        forecasts=np.array(forecasts, dtype=np.int64),
        actual=np.array(actual, dtype=np.int64),
        skipped_no_forecast=0,
        skipped_not_done=0,
    )


def test_quantile_loss_weighs_misses_by_the_quantile():
    # Forecast 10 at every level, actual 12 both times: error y − q = +2.
    # how-many P85 is the 0.15 quantile: max(0.15·2, −0.85·2) = 0.3; P50: 0.5·2 = 1.0.
    # when P85 is the 0.85 quantile: max(0.85·2, −0.15·2) = 1.7.
    how_many = _made("how-many", [[10] * 4] * 2, [12, 12])
    when = _made("when", [[10] * 4] * 2, [12, 12])
    assert how_many.quantile_loss[85] == pytest.approx(0.3)
    assert how_many.quantile_loss[50] == pytest.approx(1.0)
    assert when.quantile_loss[85] == pytest.approx(1.7)
    # how-many hits when actual ≥ forecast (12 ≥ 10); when hits when actual ≤ forecast.
    assert how_many.hit_rate[85] == 1.0
    assert when.hit_rate[85] == 0.0


def test_the_verdict_judges_p85_within_ten_points():
    # 20 cuts; P85 forecast 10; actual ≥ 10 on h cuts gives a hit rate of h/20.
    def with_hits(hits):
        return _made("how-many", [[10] * 4] * 20, [10] * hits + [9] * (20 - hits))

    trusted = "P85 forecasts were met 85% of the time over 20 cuts: trustworthy."
    assert with_hits(17).verdict == trusted
    assert with_hits(15).verdict.endswith("trustworthy.")  # 75%, on the edge
    assert "optimistic" in with_hits(14).verdict  # 70%
    assert "cautious" in with_hits(20).verdict  # 100%
    assert "too few to judge" in _made("how-many", [[10] * 4] * 9, [10] * 9).verdict


def test_the_same_seed_gives_the_same_backtest():
    _, history = poisson_history(400, seed=5)
    first = backtest(history, seed=12)
    assert first.to_json() == backtest(history, seed=12).to_json()
    assert not np.array_equal(first.forecasts, backtest(history, seed=13).forecasts)


def test_backtest_json_keeps_its_keys():
    shown = backtest(history_of([2] * 200), trials=20, seed=3).to_json()
    assert shown["cuts"] == 12
    assert shown["hit_rate"] == dict.fromkeys(["50", "70", "85", "95"], 1.0)
    assert set(shown["quantile_loss"]) == {"50", "70", "85", "95"}
    assert (shown["horizon_days"], shown["window_days"], shown["step_days"]) == (30, 90, 7)
    assert shown["verdict"] == (
        "P85 forecasts were met 100% of the time over 12 cuts: cautious, the team delivered "
        "more than they promised; try another window or read them as more certain than they say."
    )
    row = shown["rows"][0]
    assert row["forecast"] == dict.fromkeys(["50", "70", "85", "95"], 60)
    assert (row["actual"], row["hit"]["85"]) == (60, True)


def test_the_cut_day_is_the_last_day_of_its_window():
    # Finishes only on the cut's own day (offset 89) and after: the first cut's window must
    # include offset 89, and the 30-day outcome must start at offset 90.
    counts = [0] * 89 + [5] + [1] * 40
    result = backtest(history_of(counts), trials=200, seed=1)
    assert result.cut_days[0] - number_of(JAN_1) == 89
    assert result.throughput_means[0] == pytest.approx(5 / 90)
    assert result.actual[0] == 30

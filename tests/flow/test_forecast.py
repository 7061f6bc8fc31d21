"""Monte Carlo forecasts: the throughput sample, "when", "how many", percentiles, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from pullflow.domain.errors import Invalid
from pullflow.flow import forecast as forecast_module
from pullflow.flow.forecast import (
    at_least,
    daily_throughput,
    forecast_how_many,
    forecast_when,
    nearest_rank,
    when_trials,
)
from pullflow.flow.history import DAY, Catalogue, History, Kind, Moves, Workflow, local_midnight

STAGES = ("Options", "Doing", "Done")
JAN_1 = date(2024, 1, 1)


def history_of(counts, first: date = JAN_1, timezone: str = "UTC") -> History:
    """Items finished on each day: ``counts[k]`` items reach Done on day ``first + k``.

    Two markers enter the options at 01:00 on the first and the last day, so the history
    spans exactly ``len(counts)`` days whatever the counts are. Every other item enters Doing
    at 08:00 and Done at 12:00 on its day.
    """
    counts = np.asarray(counts, dtype=np.int64)
    base = local_midnight(first, timezone)
    finish_day = np.repeat(np.arange(len(counts)), counts)
    count = len(finish_day)
    workers = np.arange(2, count + 2)
    item = np.r_[0, 1, np.repeat(workers, 2)]
    moments = np.column_stack([finish_day * DAY + 8 * 3600, finish_day * DAY + 12 * 3600])
    at = np.r_[3600, (len(counts) - 1) * DAY + 3600, moments.ravel()] + base
    stage = np.r_[0, 0, np.tile([1, 2], count)]
    return History(
        Workflow(STAGES, timezone=timezone),
        Catalogue.of([str(i) for i in range(count + 2)]),
        Moves.of(item, at, [Kind.ENTER] * len(item), stage),
    )


# -- nearest rank ----------------------------------------------------------------------------


def test_nearest_rank_takes_the_value_at_rank_ceil_p_n():
    values = np.array([3, 4, 4, 5, 5, 6, 6, 6, 7, 7])
    # n = 10: P50 rank ⌈5⌉ = 5 → 5; P70 rank 7 → 6; P85 rank ⌈8.5⌉ = 9 → 7; P95 rank ⌈9.5⌉ = 10 → 7.
    assert nearest_rank(values) == {50: 5, 70: 6, 85: 7, 95: 7}


def test_at_least_takes_the_complementary_percentile():
    values = np.array([3, 4, 4, 5, 5, 6, 6, 6, 7, 7])
    # 85% chance of at least x = P15: rank ⌈1.5⌉ = 2 → 4 (9 of the 10 totals are ≥ 4);
    # 50% → P50 rank 5 → 5; 70% → P30 rank 3 → 4; 95% → P5 rank ⌈0.5⌉ = 1 → 3.
    assert at_least(values) == {50: 5, 70: 4, 85: 4, 95: 3}


# -- the throughput sample -------------------------------------------------------------------


def test_zero_days_count_in_the_sample():
    sample = daily_throughput(history_of([0, 3, 0, 0, 1]), window_days=5)
    assert sample.counts.tolist() == [0, 3, 0, 0, 1]
    assert sample.days == 5
    assert sample.zero_days == 3
    assert sample.mean == pytest.approx(4 / 5)
    assert sample.to_json()["throughput_days_with_zero"] == 3


def test_default_window_ends_on_the_last_event_not_today():
    # 91 days from 2024-01-01 end on 2024-03-31; the 90-day window is 2024-01-02 .. 2024-03-31.
    history = history_of([1] * 91)
    sample = daily_throughput(history)
    assert sample.last == date(2024, 3, 31)
    assert sample.first == date(2024, 1, 2)
    assert sample.days == 90
    assert not sample.shortened
    assert forecast_when(history, 1, trials=10, seed=1).start == date(2024, 4, 1)


def test_a_history_shorter_than_the_window_starts_at_its_first_move():
    sample = daily_throughput(history_of([2] * 30), window_days=90)
    assert (sample.first, sample.last) == (JAN_1, date(2024, 1, 30))
    assert sample.days == 30
    assert sample.shortened
    shown = sample.to_json()
    assert (shown["days"], shown["requested_days"], shown["first"]) == (30, 90, "2024-01-01")


def test_a_window_can_end_on_a_chosen_day():
    history = history_of([1, 2, 3, 4, 5, 6])
    sample = daily_throughput(history, window_days=2, end_day=date(2024, 1, 4))
    assert sample.counts.tolist() == [3, 4]  # 2024-01-03 and 2024-01-04


def test_finishes_count_on_the_local_day():
    # 03:00 UTC on 2024-03-10 is 22:00 on 2024-03-09 in New York (UTC−5).
    finish = datetime(2024, 3, 10, 3, tzinfo=UTC).timestamp()
    start = datetime(2024, 3, 8, 15, tzinfo=UTC).timestamp()
    history = History(
        Workflow(STAGES, timezone="America/New_York"),
        Catalogue.of(["a"]),
        Moves.of([0, 0], [start, finish], [Kind.ENTER, Kind.ENTER], [1, 2]),
    )
    sample = daily_throughput(history)
    assert (sample.first, sample.last) == (date(2024, 3, 8), date(2024, 3, 9))
    assert sample.counts.tolist() == [0, 1]


def test_an_empty_window_is_refused_with_the_sentence():
    # Items finished in January only; the history runs to 2024-12-31 (day 366 of a leap year).
    counts = [1] * 31 + [0] * 335
    with pytest.raises(Invalid) as refused:
        daily_throughput(history_of(counts))
    assert refused.value.message == (
        "No item finished in the 90 days up to 2024-12-31, so there is no throughput to "
        "sample: choose a longer --window or a history with finished items."
    )


@pytest.mark.parametrize("days", [0, -5])
def test_a_window_of_no_days_is_refused(days):
    with pytest.raises(Invalid, match="at least one day"):
        daily_throughput(history_of([1, 1]), window_days=days)


def test_a_window_ending_after_the_history_is_refused():
    with pytest.raises(Invalid, match=r"the history ends on 2024-01-02"):
        daily_throughput(history_of([1, 1]), end_day=date(2024, 1, 5))


def test_a_history_without_moves_is_refused():
    history = History(Workflow(STAGES), Catalogue.of([]), Moves.of([], [], []))
    with pytest.raises(Invalid, match="no recorded moves"):
        daily_throughput(history)


# -- when ------------------------------------------------------------------------------------


def test_a_steady_two_a_day_finishes_ten_in_exactly_five_days():
    history = history_of([2] * 91)  # window 2024-01-02 .. 2024-03-31, every day 2
    result = forecast_when(history, 10, seed=7, target=date(2024, 4, 5))
    # Every trial draws 2, 2, 2, 2, 2: 10 on day 5, which is 2024-04-05 (day 1 = 2024-04-01).
    assert set(result.lengths.tolist()) == {5}
    assert result.days == {50: 5, 70: 5, 85: 5, 95: 5}
    assert set(result.dates.values()) == {date(2024, 4, 5)}
    assert result.probability == 1.0
    on_the_day_before = forecast_when(history, 10, seed=7, target=date(2024, 4, 4))
    assert on_the_day_before.probability == 0.0


def test_alternating_zero_and_four_matches_the_negative_binomial():
    result = forecast_when(history_of([0, 4] * 45), 8, seed=11)
    # 8 items need two days of 4; each day is 4 with p = 1/2, so the length L is the day of
    # the 2nd success: P(L = l) = (l − 1)/2^l, mean 2/p = 4, never under 2.
    # CDF: F(4) = 11/16 = .6875, F(5) = .8125, F(6) = .890625, F(7) = .9375, F(8) = .96484.
    assert result.lengths.min() >= 2
    assert result.lengths.mean() == pytest.approx(4.0, abs=0.1)  # sd 2, 10,000 trials
    assert result.days[85] == 6  # first l with F(l) ≥ .85
    assert result.days[95] == 8  # first l with F(l) ≥ .95
    assert result.days[50] in {3, 4}  # F(3) = .5 exactly: either side by sampling
    assert result.days[70] in {4, 5}


def test_zero_days_lengthen_the_forecast():
    result = forecast_when(history_of([0, 0, 0, 0, 6]), 6, window_days=5, seed=3)
    # One day of 6 is needed, each day is one with p = 1/5: geometric, mean 5,
    # F(l) = 1 − 0.8^l: F(8) = .832, F(9) = .866 → P85 = 9 (ignoring zeros would give 1).
    assert result.lengths.mean() == pytest.approx(5.0, abs=0.2)
    assert result.days[85] == 9


def test_the_probability_is_the_share_of_trials_done_by_the_target():
    history = history_of([0, 4] * 45)  # window ends 2024-03-30, day 1 = 2024-03-31
    result = forecast_when(history, 8, seed=5, target=date(2024, 4, 3))
    # 2024-04-03 is day 4: P(L ≤ 4) = 11/16 = .6875 for the negative binomial above.
    assert result.probability == pytest.approx(np.mean(result.lengths <= 4))
    assert result.probability == pytest.approx(11 / 16, abs=0.02)


def test_the_same_seed_gives_the_same_trials_and_another_seed_others():
    history = history_of([0, 1, 3, 0, 2, 5, 1] * 13)
    first = forecast_when(history, 40, seed=42)
    again = forecast_when(history, 40, seed=42)
    other = forecast_when(history, 40, seed=43)
    assert np.array_equal(first.lengths, again.lengths)
    assert first.to_json() == again.to_json()
    assert not np.array_equal(first.lengths, other.lengths)


def test_without_a_seed_the_seed_used_is_reported_and_reproduces():
    history = history_of([0, 1, 3, 0, 2, 5, 1] * 13)
    unseeded = forecast_when(history, 40, trials=500)
    replay = forecast_when(history, 40, trials=500, seed=unseeded.seed)
    assert np.array_equal(unseeded.lengths, replay.lengths)


def test_trials_not_done_in_a_chunk_go_on_in_the_next(monkeypatch):
    # A chunk of 1,000 draws over 100 trials is 10 days wide: 1,000 items at 2 a day need
    # 500 days, so every trial runs through 50 chunks and must land on exactly 500.
    monkeypatch.setattr(forecast_module, "CHUNK_DRAWS", 1_000)
    rng = np.random.default_rng(1)
    assert set(when_trials(np.array([2, 2]), 1_000, 100, rng).tolist()) == {500}
    # Alternating 0 and 4, 400 items = 100 days of 4: mean 100/p = 200, sd √(100·½)/½ ≈ 14.1.
    lengths = when_trials(np.array([0, 4]), 400, 2_000, rng)
    assert lengths.mean() == pytest.approx(200, abs=1.5)


def test_when_refuses_nothing_to_do_and_no_trials():
    history = history_of([1] * 10)
    with pytest.raises(Invalid, match="1 or more items"):
        forecast_when(history, 0)
    with pytest.raises(Invalid, match="between 1 and"):
        forecast_when(history, 5, trials=0)


def test_when_refuses_a_target_inside_the_window():
    with pytest.raises(Invalid, match=r"ends on 2024-01-10; ask for 2024-01-11 or later"):
        forecast_when(history_of([1] * 10), 5, target=date(2024, 1, 10))


def test_when_refuses_a_forecast_past_a_hundred_years():
    # One item in 90 days: 500 items take about 45,000 days, past 36,525.
    with pytest.raises(Invalid, match="past 100 years"):
        forecast_when(history_of([1] + [0] * 89), 500)


def test_when_json_keeps_its_keys():
    history = history_of([2] * 91)
    shown = forecast_when(history, 10, trials=100, seed=1, target=date(2024, 4, 5)).to_json()
    assert shown["question"] == "when"
    assert (shown["items"], shown["trials"], shown["seed"]) == (10, 100, 1)
    assert shown["start"] == "2024-04-01"
    assert shown["percentiles"] == dict.fromkeys(["50", "70", "85", "95"], "2024-04-05")
    assert shown["days"] == dict.fromkeys(["50", "70", "85", "95"], 5)
    assert {"days", "first", "last", "throughput_mean", "throughput_days_with_zero"} <= set(
        shown["window"]
    )
    assert shown["window"]["throughput_mean"] == 2
    assert "nearest rank" in shown["method"]
    assert (shown["target"], shown["probability"]) == ("2024-04-05", 1.0)


# -- how many --------------------------------------------------------------------------------


def test_a_steady_two_a_day_gives_twenty_in_ten_days():
    history = history_of([2] * 91)  # forecast days 2024-04-01 .. 2024-04-10
    result = forecast_how_many(history, date(2024, 4, 10), seed=2)
    assert set(result.totals.tolist()) == {20}
    assert result.at_least == {50: 20, 70: 20, 85: 20, 95: 20}


def test_how_many_reads_85_percent_from_the_15th_percentile():
    history = history_of([0, 4] * 45)  # ends 2024-03-30; 2024-03-31 .. 2024-04-09 is 10 days
    result = forecast_how_many(history, date(2024, 4, 9), seed=9)
    # Total = 4·B with B ~ Binomial(10, ½): CDF F(1) = .0107, F(2) = .0547, F(3) = .1719,
    # F(4) = .3770, F(5) = .6230, F(6) = .8281, F(7) = .9453.
    # 85% at least = P15 → B = 3 → 12 (the 85th percentile would be B = 7 → 28);
    # 70% → P30 → B = 4 → 16; 50% → P50 → B = 5 → 20; 95% → P5 → B = 2 → 8 (F(2) is near .05).
    assert result.at_least[85] == 12
    assert result.at_least[70] == 16
    assert result.at_least[50] == 20
    assert result.at_least[95] in {4, 8}
    assert set(np.unique(result.totals) % 4) == {0}
    assert result.totals.mean() == pytest.approx(20, abs=0.2)  # sd of 4·B = 4·√2.5 ≈ 6.3


def test_how_many_refuses_a_date_inside_the_window_naming_the_first_day():
    with pytest.raises(Invalid) as refused:
        forecast_how_many(history_of([1] * 10), date(2024, 1, 10))
    assert "ask for 2024-01-11 or later" in refused.value.message


def test_how_many_json_keeps_its_keys():
    shown = forecast_how_many(history_of([2] * 91), date(2024, 4, 10), trials=50, seed=4).to_json()
    assert shown["question"] == "how-many"
    assert (shown["by"], shown["trials"], shown["seed"]) == ("2024-04-10", 50, 4)
    assert shown["start"] == "2024-04-01"
    assert shown["percentiles"] == dict.fromkeys(["50", "70", "85", "95"], 20)
    assert shown["window"]["days"] == 90
    assert "ceil((100-p)*n/100)" in shown["method"]


def test_how_many_is_reproducible_by_seed():
    history = history_of([0, 1, 3, 0, 2, 5, 1] * 13)
    by = date(2024, 5, 1)
    first = forecast_how_many(history, by, seed=8).totals
    assert np.array_equal(first, forecast_how_many(history, by, seed=8).totals)
    assert not np.array_equal(first, forecast_how_many(history, by, seed=9).totals)

"""The envelope race with small, exact assumptions: every figure worked out by hand.

Ten letters, no variation (cv 0): fold 4 s, stuff 3 s, seal 2 s, stamp 2 s (11 s a letter),
and moving a pile of 10 to the next step costs 10 × 0.5 = 5 s (in batches only).
"""

from __future__ import annotations

from typing import Any

import pytest

from pullflow.sim.envelopes import SETUPS, Assumptions, race

SMALL = Assumptions(letters=10, cv=0.0, reps=2)


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    result: dict[str, Any] = race(SMALL).to_json()
    return result


def _means(run: dict[str, Any], *names: str) -> dict[str, float]:
    return {name: run[name]["mean"] for name in names}


FIGURES = ("makespan", "first_unit_time", "cycle_time_mean", "wasted_units")


def test_one_worker_in_batches_finishes_the_first_letter_near_the_end(
    small: dict[str, Any],
) -> None:
    # Fold 10 × 4 = 40, move 5, stuff 30, move 5, seal 20, move 5, stamp 20: 125 in all.
    # Letter 0 is stamped after 40 + 5 + 30 + 5 + 20 + 5 = 105, done at 107; letter j at
    # 107 + 2j, begun (folded) at 4j: cycle 107 - 2j, mean 107 - 9 = 98; WIP 980 / 125.
    run = small["batch"]
    assert _means(run, *FIGURES) == {
        "makespan": 125.0,
        "first_unit_time": 107.0,
        "cycle_time_mean": 98.0,
        "wasted_units": 0.0,
    }
    assert run["wip_mean"]["mean"] == pytest.approx(980 / 125)
    assert run["first_defect_found"]["mean"] is None


def test_one_worker_one_by_one_finishes_the_first_letter_at_once(small: dict[str, Any]) -> None:
    # 11 s a letter, no piles: letter j from 11j to 11(j + 1). Makespan 110, first at 11,
    # every cycle 11, one letter in hand at a time.
    run = small["single_piece"]
    assert _means(run, *FIGURES, "wip_mean") == {
        "makespan": 110.0,
        "first_unit_time": 11.0,
        "cycle_time_mean": 11.0,
        "wasted_units": 0.0,
        "wip_mean": 1.0,
    }


def test_misfit_letters_in_batches_waste_the_whole_pile(small: dict[str, Any]) -> None:
    # The misfit shows at the first stuffing, after 40 (folds) + 5 (move) + 3 = 48: all 10
    # folded letters are wasted, folded again (40) and that envelope stuffed again (3).
    # Makespan 125 + 43 = 168; letter j stamped last-but-(9 - j): done 168 - 2(9 - j) =
    # 150 + 2j, the first at 150; begun at 4j: cycle 150 - 2j, mean 141.
    run = small["defect_batch"]
    assert _means(run, *FIGURES, "first_defect_found") == {
        "makespan": 168.0,
        "first_unit_time": 150.0,
        "cycle_time_mean": 141.0,
        "wasted_units": 10.0,
        "first_defect_found": 48.0,
    }


def test_misfit_letters_one_by_one_waste_one_letter(small: dict[str, Any]) -> None:
    # Fold 0-4, stuff 4-7: the misfit is found at 7 and one letter is wasted; fold it again
    # 7-11, stuff 11-14, seal 14-16, stamp 16-18. Makespan 110 + 4 + 3 = 117, first at 18.
    # Cycles 18 and nine 11s: mean 117 / 10 = 11.7.
    run = small["defect_single_piece"]
    assert _means(run, *FIGURES, "first_defect_found") == {
        "makespan": 117.0,
        "first_unit_time": 18.0,
        "cycle_time_mean": 11.7,
        "wasted_units": 1.0,
        "first_defect_found": 7.0,
    }


def test_the_team_races_as_a_line(small: dict[str, Any]) -> None:
    # Batches of 10, the pile moves add 0.5 s a letter after the first step: 4, 3.5, 2.5,
    # 2.5. Fold done at 40, stuff at 40 + 35 = 75, seal at 100, stamp at 125: the whole
    # pile leaves together, so every letter's cycle is 125 and 10 are in the line throughout.
    batch = small["team_batch"]
    assert _means(batch, *FIGURES, "wip_mean") == {
        "makespan": 125.0,
        "first_unit_time": 125.0,
        "cycle_time_mean": 125.0,
        "wasted_units": 0.0,
        "wip_mean": 10.0,
    }
    # One by one, fold (4 s) is the slowest step: letter j folded at 4(j + 1), then 3 + 2 + 2
    # with no wait, done at 4j + 11. Makespan 36 + 11 = 47, first at 11, cycle mean
    # 4 · 4.5 + 11 = 29, WIP 290 / 47.
    single = small["team_single_piece"]
    assert _means(single, *FIGURES) == {
        "makespan": 47.0,
        "first_unit_time": 11.0,
        "cycle_time_mean": 29.0,
        "wasted_units": 0.0,
    }
    assert single["wip_mean"]["mean"] == pytest.approx(290 / 47, abs=1e-6)
    assert batch["engine"] == single["engine"] == "recursion"


def test_the_best_batch_follows_the_changeover_by_hand(small: dict[str, Any]) -> None:
    rows = {row["setup_seconds"]: row for row in small["changeover"]}
    assert list(rows) == list(SETUPS)
    # Setup 10 s before every batch at every step.
    # Batch 1 (no piles): 14, 13, 12, 12 a letter; fold is slowest: done 14(j + 1) + 37,
    #   letter 9 at 177.
    # Batch 2 (piles: 4, 3.5, 2.5, 2.5): fold 10 + 8 = 18 a batch, the others 17, 15, 15 keep
    #   up: batch k done 18(k + 1) + 17 + 15 + 15, batch 4 at 137.
    # Batch 5: fold 30, 60; stuff 30 + 27.5 = 57.5, 60 + 27.5 = 87.5; seal 80, 110; stamp
    #   102.5, 132.5.
    # Batch 10: 50, then + 45, + 35, + 35: 165. Best: 5.
    assert rows[10.0]["makespan_by_batch"] == {"1": 177.0, "2": 137.0, "5": 132.5, "10": 165.0}
    assert (rows[10.0]["best_batch"], rows[10.0]["best_makespan"]) == (5, 132.5)
    # Setup 2 h: one batch of 10 has one setup a step: 4 × 7200 + 40 + 35 + 25 + 25 = 28925.
    assert (rows[7200.0]["best_batch"], rows[7200.0]["best_makespan"]) == (10, 28925.0)
    # Setup 1 s, one by one: 5, 4, 3, 3 a letter: 5(j + 1) + 10, letter 9 at 60; batches of
    # 2: fold 9 a batch, then 8, 6, 6: 9 · 5 + 20 = 65.
    assert (rows[1.0]["best_batch"], rows[1.0]["best_makespan"]) == (1, 60.0)
    assert rows[1.0]["makespan_by_batch"]["2"] == 65.0


def test_the_best_batch_never_grows_as_the_setup_falls() -> None:
    # SETUPS run from 2 hours down to 1 second: a cheaper setup never makes a bigger batch best.
    rows = race(Assumptions(reps=2)).changeover
    best = [row["best_batch"] for row in rows]
    assert best == sorted(best, reverse=True)
    assert best[0] == 100  # two hours a setup: the whole pile in one batch
    # One second, 100 letters: one by one 5 · 100 + 4 + 3 + 3 = 510; batches of 2: fold
    # 9 a batch, 9 · 50 + 8 + 6 + 6 = 470; of 5: fold 21 a batch, 21 · 20 + 18.5 + 13.5 + 13.5
    # = 465.5; of 10: 41 · 10 + 36 + 26 + 26 = 498. The pile moves keep 5 ahead of 1.
    assert best[-1] == 5
    by_batch = rows[-1]["makespan_by_batch"]
    assert [by_batch[b] for b in ("1", "2", "5", "10")] == [510.0, 470.0, 465.5, 498.0]


def test_the_race_json_holds_every_race_and_its_assumptions(small: dict[str, Any]) -> None:
    races = ("batch", "single_piece", "team_batch", "team_single_piece")
    assert set(small) == {*races, "defect_batch", "defect_single_piece"} | {
        "changeover",
        "assumptions",
    }
    for name in (*races, "defect_batch", "defect_single_piece"):
        assert (small[name]["reps"], small[name]["seed"]) == (2, 1), name
        assert small[name]["time_unit"] == "seconds"
    assumptions = small["assumptions"]
    assert assumptions["letters"] == 10
    assert assumptions["cv"] == 0.0
    assert (assumptions["fold"], assumptions["stuff"], assumptions["seal"]) == (4.0, 3.0, 2.0)
    assert assumptions["steps"] == ["fold", "stuff", "seal", "stamp"]
    assert set(small["changeover"][0]) == {
        "setup_seconds",
        "best_batch",
        "best_makespan",
        "makespan_by_batch",
    }


def test_varied_step_times_spread_the_replications() -> None:
    # With CV 0.25 the replications differ, and the one-by-one worker still finishes the
    # first letter far sooner than the batch worker (11 s against about 107 s on average).
    result = race(Assumptions(letters=10, cv=0.25, reps=5, seed=3)).to_json()
    batch, single = result["batch"]["first_unit_time"], result["single_piece"]["first_unit_time"]
    assert batch["ci95_low"] < batch["mean"] < batch["ci95_high"]
    assert single["ci95_high"] < 30 < 80 < batch["ci95_low"]
    assert race(Assumptions(letters=10, cv=0.25, reps=5, seed=3)).to_json() == result

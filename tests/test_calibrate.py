"""Calibration: the file format, the discrepancy's known minimum, recovery of a known parameter
from synthetic observations, resumption after an interruption, and the command."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.engine.params import ModelParams
from sim.history.calibrate import run as calibrate_run
from sim.history.calibrate.target import RollingTarget, Target, origin_seed
from sim.inputs.calibration import CalibrationError, load_calibration

TINY = """name: tiny
question: q
base: baseline
train: {start: 2014-01-01, end: 2017-01-01}
validate: {start: 2017-01-01, end: 2019-01-01}
priors:
  investment_pull: {distribution: loguniform, low: 0.002, high: 0.2}
  noise_sd: {low: 0.0, high: 0.03}
replicates: 1
algorithm: {population: 12, generations: 3}
seed: 3
"""


def write(tmp_path: Path, text: str, name: str = "cal.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("  peer_weight: {low: 0.01, high: 0.1}", None),
        ("  not_a_parameter: {low: 0, high: 1}", "not a numeric model parameter"),
        ("  noise_sd: {low: 0.5, high: 0.1}", "must be below high"),
        ("  noise_sd: {low: 0, high: 1, hgh: 2}", r"did you mean 'high'\? \(allowed: distrib"),
        ("bogus: 1", r"bogus: unknown key \(allowed: name, question, description, base, priors"),
    ],
)  # fmt: skip
def test_calibration_files_are_validated_with_one_line_errors(tmp_path, change, message):
    text = TINY.replace("  noise_sd: {low: 0.0, high: 0.03}", change)
    path = write(tmp_path, text)
    if message is None:
        assert load_calibration(path)[0].name == "tiny"
        return
    with pytest.raises(CalibrationError, match=message) as info:
        load_calibration(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)
    bad_window = write(tmp_path, TINY.replace("end: 2017-01-01", "end: 2022-01-01"), "w.yaml")
    with pytest.raises(CalibrationError, match="observed record"):
        load_calibration(bad_window)


@pytest.fixture(scope="module")
def target() -> Target:
    return Target.build(date(2014, 1, 1), date(2017, 1, 1), ModelParams(), seed=5)


def test_the_discrepancy_is_smallest_at_the_parameters_that_made_the_observations(target):
    """Replace the record by the model's own output at known parameters: the distance is then
    lowest at those parameters (the known-result test of the target)."""
    truth = {"investment_pull": 0.08, "noise_sd": 0.0}
    synthetic = Target(**{**target.__dict__})
    synthetic.observed_change = target.simulate(truth, 1)[..., 0]
    at_truth = synthetic.distance(synthetic.components(synthetic.simulate(truth, 1)))
    assert at_truth == pytest.approx(0.0, abs=1e-12)
    for other in (
        {"investment_pull": 0.005, "noise_sd": 0.0},
        {"investment_pull": 0.08, "noise_sd": 0.02},
    ):
        assert synthetic.distance(synthetic.components(synthetic.simulate(other, 1))) > 0.05


def test_rolling_origins_average_each_block_over_runs_from_every_origin():
    """horizon 2 over 2013-2017: runs from the worlds of 2013, 2014 and 2015, two years each;
    each block of the discrepancy is the mean of the three origins' blocks, each origin's run
    exactly the single-origin target of that date and seed."""
    rolling = RollingTarget.build(date(2013, 1, 1), date(2017, 1, 1), 2, ModelParams(), seed=5)
    assert rolling.origins == [date(2013, 1, 1), date(2014, 1, 1), date(2015, 1, 1)]
    assert [t.dates[-1] for t in rolling.targets] == [date(y, 1, 1) for y in (2015, 2016, 2017)]
    thetas = [
        {"investment_pull": 0.03, "noise_sd": 0.01},
        {"investment_pull": 0.1, "noise_sd": 0.0},
    ]
    together = rolling.simulate_many(thetas, 2)
    for theta, changes in zip(thetas, together, strict=True):
        blocks = []
        for origin, change in zip(rolling.origins, changes, strict=True):
            alone = Target.build(
                origin, date(origin.year + 2, 1, 1), ModelParams(), origin_seed(5, origin)
            )
            assert np.array_equal(change, alone.simulate(theta, 2))
            blocks.append(alone.components(change))
        expected = {b: np.mean([x[b] for x in blocks]) for b in ("nations", "regions", "spread")}
        assert rolling.components(changes) == pytest.approx(expected, rel=1e-12)
    assert len({origin_seed(5, o) for o in rolling.origins}) == 3  # one stream per origin


def test_a_horizon_longer_than_the_training_window_is_refused(tmp_path):
    ok = load_calibration(write(tmp_path, TINY + "horizon: 2\n"))[0]
    assert ok.horizon == 2
    with pytest.raises(CalibrationError, match="horizon: 4 years is longer"):
        load_calibration(write(tmp_path, TINY + "horizon: 4\n", "long.yaml"))


def test_runs_are_reproducible_functions_of_their_parameters(target):
    theta = {"investment_pull": 0.03, "noise_sd": 0.01}
    assert np.array_equal(target.simulate(theta, 2), target.simulate(theta, 2))
    assert not np.array_equal(
        target.simulate(theta, 1), target.simulate({**theta, "noise_sd": 0.011}, 1)
    )


@pytest.mark.slow
def test_abc_recovers_a_known_parameter_from_synthetic_observations(tmp_path, target, monkeypatch):
    """Simulation-based check of the whole pipeline: observations made by the model at
    investment_pull = 0.1 give a posterior whose mass sits nearer 0.1 than the prior's."""
    truth = {"investment_pull": 0.1, "noise_sd": 0.0}
    synthetic_change = target.simulate(truth, 1)[..., 0]
    original = Target.build

    def build(*args, **kwargs):
        made = original(*args, **kwargs)
        made.observed_change = synthetic_change
        return made

    monkeypatch.setattr(Target, "build", classmethod(lambda cls, *a, **k: build(*a, **k)))
    text = (
        TINY.replace("validate: {start: 2017-01-01, end: 2019-01-01}\n", "")
        .replace("  noise_sd: {low: 0.0, high: 0.03}\n", "")
        .replace("population: 12, generations: 3", "population: 40, generations: 4")
    )
    spec, _, text = load_calibration(write(tmp_path, text))
    posterior, diagnostics = calibrate_run.run_calibration(spec, text, tmp_path / "out")
    log_post = np.average(np.log(posterior["investment_pull"]), weights=posterior["weight"])
    prior_centre = np.log(np.sqrt(0.002 * 0.2))  # median of the log-uniform prior
    assert abs(log_post - np.log(0.1)) < abs(prior_centre - np.log(0.1))
    assert diagnostics["epsilon"].iloc[-1] < diagnostics["epsilon"].iloc[0]


@pytest.mark.slow
def test_an_interrupted_calibration_resumes_and_a_changed_file_is_refused(tmp_path):
    spec, _, text = load_calibration(
        write(tmp_path, TINY.replace("validate: {start: 2017-01-01, end: 2019-01-01}\n", ""))
    )
    folder = tmp_path / "out"

    def stop_after_first(generation, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calibrate_run.run_calibration(spec, text, folder, on_generation=stop_after_first)
    assert (folder / "calibration.db").exists() and not (folder / "manifest.json").exists()
    first = calibrate_run.generations(
        __import__("pyabc").History(f"sqlite:///{folder / 'calibration.db'}")
    )
    assert len(first) == 1
    with pytest.raises(CalibrationError, match="different file"):
        calibrate_run.run_calibration(spec, text + "# changed\n", folder)
    posterior, diagnostics = calibrate_run.run_calibration(spec, text, folder)
    assert len(diagnostics) == 3
    assert diagnostics["epsilon"].iloc[0] == pytest.approx(first[0].epsilon)
    assert (folder / "manifest.json").exists() and len(posterior) == 12
    with pytest.raises(CalibrationError, match="finished calibration"):
        calibrate_run.run_calibration(spec, text, folder)


@pytest.mark.slow
def test_calibrate_command_prints_posterior_and_validation(tmp_path):
    path = write(tmp_path, TINY.replace("generations: 3", "generations: 2"))
    out = tmp_path / "cal"
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "generation 2/2" in text and "Posterior" in text and "Validation on held-out" in text
    table = pd.read_csv(out / "validation.csv", index_col=0)
    assert list(table.index) == [
        "calibrated",
        "calibrated point",
        "uncalibrated",
        "persistence",
        "trend",
        "regional drift",
    ]
    assert table.at["persistence", "skill_vs_persistence"] == 0.0
    for name in (
        "posterior.parquet",
        "diagnostics.csv",
        "marginals.png",
        "pairs.png",
        "predictive.png",
    ):
        assert (out / name).exists(), name
    bad = CliRunner().invoke(app, ["calibrate", str(tmp_path / "missing.yaml")])
    assert bad.exit_code == 2 and "no such calibration file" in bad.output


def test_exported_calibration_schema_is_current():
    from sim.inputs.calibration import json_schema_text

    assert Path("docs/calibration.schema.json").read_text() == json_schema_text()


def test_measurement_error_of_a_change_has_both_dates_variances():
    from sim.history.calibrate.target import measurement_error

    se = np.array([[0.03, 0.0], [0.04, 0.0], [0.0, 0.0]])  # start, date 1, date 2
    draws = measurement_error(se, 20_000, np.random.SeedSequence(1))
    assert draws.shape == (2, 2, 20_000)
    assert draws[0, 0].std() == pytest.approx(0.05, rel=0.03)  # sqrt(0.03^2 + 0.04^2)
    assert draws[1, 0].std() == pytest.approx(0.03, rel=0.03)
    assert np.all(draws[:, 1] == 0.0)


def test_every_library_calibration_file_validates():
    from sim.inputs.calibration import CALIBRATION_DIR

    names = {load_calibration(p)[0].name for p in sorted(CALIBRATION_DIR.glob("*.yaml"))}
    assert {"history_2011_2016", "history_2011_2019", "quick_example"} <= names


def test_candidates_simulated_together_equal_each_simulated_alone(target):
    """A batch is one stack (run_stacked); how candidates are batched changes no number."""
    thetas = [
        {"investment_pull": 0.03, "noise_sd": 0.01},
        {"investment_pull": 0.1, "noise_sd": 0.0},
        {"investment_pull": 0.005, "noise_sd": 0.02},
    ]
    together = target.simulate_many(thetas, 2)
    for theta, change in zip(thetas, together, strict=True):
        assert np.array_equal(change, target.simulate_many([theta], 2)[0])
    assert not np.array_equal(together[0], together[2])


def abc_history(tmp_path, target, spec, sampler_for, name):
    """Three ABC-SMC generations in one pyabc run (numpy's generator is not reseeded between
    generations, unlike run_calibration): the accepted populations and per-generation counts."""
    import pyabc

    model = calibrate_run.Model(target, spec)
    np.random.seed(spec.seed)
    abc = pyabc.ABCSMC(
        model,
        calibrate_run.priors(spec),
        calibrate_run.distance,
        population_size=spec.algorithm.population,
        sampler=sampler_for(model),
        eps=pyabc.QuantileEpsilon(alpha=0.5),
    )
    abc.new(f"sqlite:///{tmp_path / name}.db", dict.fromkeys(("nations", "regions", "spread"), 0))
    history = abc.run(max_nr_populations=3)
    frames = [history.get_distribution(m=0, t=t) for t in range(history.max_t + 1)]
    return frames, history.get_all_populations()


@pytest.mark.slow
def test_batched_sampler_gives_the_single_core_posterior_bit_for_bit(tmp_path, target):
    """The stacked-batch sampler on two processes against pyabc's own SingleCoreSampler, same
    seed, three generations in one run: the same particles, weights, epsilons and evaluation
    counts. Every proposal pyabc judged was served from a batch (no misses), batches were split
    over the workers and drawn ahead (more simulated than judged)."""
    import pyabc

    from sim.history.calibrate.batch import StackedBatchSampler

    text = TINY.replace("population: 12, generations: 3", "population: 40, generations: 3")
    spec, _, _ = load_calibration(write(tmp_path, text))
    single, single_pops = abc_history(
        tmp_path, target, spec, lambda model: pyabc.sampler.SingleCoreSampler(), "single"
    )
    used = []

    def batched_sampler(model):
        used.append(StackedBatchSampler(model, workers=2))
        return used[-1]

    batched, batched_pops = abc_history(tmp_path, target, spec, batched_sampler, "batched")
    assert len(single) == 3
    for (params_a, weights_a), (params_b, weights_b) in zip(single, batched, strict=True):
        pd.testing.assert_frame_equal(params_a, params_b)
        assert np.array_equal(weights_a, weights_b)
    columns = ["t", "epsilon", "samples"]
    pd.testing.assert_frame_equal(single_pops[columns], batched_pops[columns])
    sampler = used[0]
    assert sampler.misses == 0
    assert sampler.simulated > batched_pops["samples"].sum()


@pytest.mark.slow
def test_interrupted_on_two_workers_resumes_to_the_uninterrupted_single_worker_result(tmp_path):
    """Ctrl-C after the first generation ends the batched sampler's worker processes; the same
    command resumes; the result equals an uninterrupted run on one worker, bit for bit."""
    import multiprocessing

    spec, _, text = load_calibration(
        write(tmp_path, TINY.replace("validate: {start: 2017-01-01, end: 2019-01-01}\n", ""))
    )

    def stop_after_first(generation, total):
        raise KeyboardInterrupt

    folder = tmp_path / "two"
    with pytest.raises(KeyboardInterrupt):
        calibrate_run.run_calibration(spec, text, folder, workers=2, on_generation=stop_after_first)
    assert multiprocessing.active_children() == []
    resumed = calibrate_run.run_calibration(spec, text, folder, workers=2)
    straight = calibrate_run.run_calibration(spec, text, tmp_path / "one", workers=1)
    pd.testing.assert_frame_equal(resumed[0], straight[0])
    pd.testing.assert_frame_equal(resumed[1], straight[1])


def test_defaults_are_the_shipped_posteriors_median_to_two_significant_figures():
    """The calibrated defaults (sim/engine/params.py) are the point estimate of the shipped posterior:
    the weighted median of each marginal, recomputed here by sorting (not sim's code path)."""
    from sim.engine.params import CALIBRATED_DEFAULTS
    from sim.inputs.provenance import POSTERIOR

    posterior = pd.read_parquet(POSTERIOR)
    assert set(CALIBRATED_DEFAULTS) == set(posterior.columns) - {"weight"}
    for name, default in CALIBRATED_DEFAULTS.items():
        ordered = posterior.sort_values(name, kind="stable")
        share = ordered["weight"].cumsum() / ordered["weight"].sum()
        median = float(ordered[name][share >= 0.5].iloc[0])
        assert default == float(f"{median:.2g}"), name
        assert getattr(ModelParams(), name) == default, name

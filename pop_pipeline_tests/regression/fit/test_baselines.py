import json

import numpy as np
import pytest
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

from pop_pipeline.ml.models.regression.gbdt import GBDTConfig
from pop_pipeline.ml.models.regression.svr_baselines import SVRConfig
from pop_pipeline.regression.fit.baselines import (
    BASELINES,
    GBDTBaseline,
    HisAveBaseline,
    baseline_from_state,
    make_baseline,
)
from pop_pipeline.regression.fit.torch_models import fit_baseline_regression
from pop_pipeline_tests.regression.fit.regression_toy import toy_data


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_each_baseline_fits_predicts_and_round_trips_as_json_and_arrays(name, tmp_path):
    data, _ = toy_data(tmp_path)
    baseline = make_baseline(
        name, svr=SVRConfig(max_train_rows=30), gbdt=GBDTConfig(max_iter=20, min_samples_leaf=2)
    )
    fitted = fit_baseline_regression(data, baseline)
    assert fitted.required_inputs == baseline.required_inputs
    assert len(fitted.test_predictions) == len(fitted.test_tweet_ids) == fitted.rows["test"]
    assert np.isfinite(fitted.test_predictions).all()
    assert fitted.estimator_spec == {"class": type(baseline).__name__}
    params, arrays = fitted.estimator.state()
    loaded = baseline_from_state(
        type(baseline).__name__,
        json.loads(json.dumps(params)),
        load_arrays(save_arrays({k: np.ascontiguousarray(v) for k, v in arrays.items()})),
    )
    assert type(loaded) is type(baseline)
    inputs, frame, _ = data.split_inputs("test", loaded.required_inputs, data.feature_config)
    np.testing.assert_array_equal(loaded.predict(inputs, frame), fitted.test_predictions)


def test_an_unknown_baseline_class_is_not_rebuilt():
    with pytest.raises(ValueError, match="unknown regression baseline class"):
        baseline_from_state("AuthorMeanBaseline", {}, {})


def test_hisave_predicts_the_authors_training_mean_in_the_inputs_order(tmp_path):
    data, tweets = toy_data(tmp_path)
    inputs, frame, targets = data.split_inputs("train", (), data.feature_config)
    baseline = HisAveBaseline().fit(inputs, frame, targets)
    test_inputs, test_frame, _ = data.split_inputs("test", (), data.feature_config)
    shuffled = test_frame.sample(frac=1.0, random_state=0)  # the frame's order does not matter
    predicted = baseline.predict(test_inputs, shuffled)
    train_ids = set(inputs.tweet_ids)
    for tweet_id, value in zip(test_inputs.tweet_ids, predicted, strict=True):
        author = tweets.set_index("tweet_id").loc[tweet_id, "author_id"]
        mine = [i for i in train_ids if tweets.set_index("tweet_id").loc[i, "author_id"] == author]
        expected = data.targets.loc[mine].mean() if mine else targets.mean()
        assert value == pytest.approx(expected)


def test_a_tweet_missing_from_the_frame_is_an_error(tmp_path):
    data, _ = toy_data(tmp_path)
    inputs, frame, targets = data.split_inputs("train", (), data.feature_config)
    with pytest.raises(KeyError, match="not in the frame"):
        HisAveBaseline().fit(inputs, frame.iloc[1:], targets)


def test_gbdt_chooses_its_rounds_on_the_validation_split(tmp_path):
    data, _ = toy_data(tmp_path)
    fitted = fit_baseline_regression(
        data, GBDTBaseline(make_baseline("gbdt", gbdt=GBDTConfig(max_iter=15)).model)
    )
    assert fitted.rows["validation"] > 0
    assert 1 <= fitted.best_epoch <= 15
    without = fit_baseline_regression(data, make_baseline("gbdt"), early_stopping=False)
    assert without.best_epoch is None and "validation" not in without.rows


def test_unknown_baseline_name_is_refused():
    with pytest.raises(KeyError, match="unknown regression baseline"):
        make_baseline("svr_audio")

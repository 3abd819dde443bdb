import numpy as np
import pytest

from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.ml.models.regression.dsn import DSN_INPUTS
from pop_pipeline.ml.models.regression.hybrid_cnn import HybridCNN
from pop_pipeline.ml.models.regression.observation_context import ObservationContext
from pop_pipeline.ml.models.regression.uhan import uhan_config
from pop_pipeline.ml.training.regression_loop import RegressionTrainingConfig
from pop_pipeline.regression.fit.torch_models import (
    dsn_builder,
    fit_torch_regression,
    hybrid_cnn_builder,
    uhan_builder,
)
from pop_pipeline_tests.regression.fit.regression_toy import toy_data

SMALL = dict(word_dim=8, hidden_dim=8, user_dim=8, attention_dim=8, head_dim=8)


def _config(epochs: int = 3) -> RegressionTrainingConfig:
    return RegressionTrainingConfig(epochs=epochs, batch_size=16, patience=2, seed=0)


def test_uhan_trains_with_early_stopping_on_paper002s_validation_split(tmp_path):
    data, _ = toy_data(tmp_path, "paper002")
    required = uhan_config("uhan", n_users=1, vocab_size=1, patch_dim=1).required_inputs
    fitted = fit_torch_regression(
        data, uhan_builder("uhan", **SMALL), _config(6), required_inputs=required
    )
    assert fitted.rows == {"train": 33, "validation": 5, "test": 10}
    assert len(fitted.validation_losses) == len(fitted.epoch_losses) >= 1
    assert fitted.best_epoch is not None
    assert fitted.validation_losses[fitted.best_epoch - 1] == min(fitted.validation_losses)
    assert fitted.estimator_spec["class"] == "UHAN"
    assert fitted.estimator_spec["config"]["initial_output"] == pytest.approx(fitted.train_mean)
    assert fitted.estimator_spec["config"]["patch_dim"] == 3
    assert np.isfinite(fitted.test_predictions).all()
    assert fitted.test_targets == pytest.approx(data.targets.loc[fitted.test_tweet_ids].to_numpy())


def test_every_epoch_runs_without_a_validation_split(tmp_path):
    data, _ = toy_data(tmp_path, "paper001")
    fitted = fit_torch_regression(
        data, hybrid_cnn_builder(), _config(2), required_inputs=HybridCNN.required_inputs
    )
    assert fitted.rows == {"train": 24, "test": 24}
    assert len(fitted.epoch_losses) == 2 and fitted.validation_losses == []
    assert fitted.best_epoch is None
    assert fitted.estimator_spec["config"]["image_size"] == 8


def test_hybrid_cnn_starts_at_the_training_mean(tmp_path):
    data, _ = toy_data(tmp_path, "paper001")
    fitted = fit_torch_regression(
        data, hybrid_cnn_builder(), _config(0), required_inputs=HybridCNN.required_inputs
    )
    # no epoch: the summed output is the training mean plus the untrained layers' output
    assert abs(float(np.mean(fitted.test_predictions)) - fitted.train_mean) < 1.0


def test_training_is_deterministic(tmp_path):
    data, _ = toy_data(tmp_path, "paper004")
    runs = [
        fit_torch_regression(
            data,
            dsn_builder("dsn_l4", hidden_dim=8, n_heads=2, user_dim=4),
            _config(2),
            required_inputs=(*DSN_INPUTS, names.SIDE_FEATURES),
            feature_config=data.feature_config.__class__(max_words=4, sequence_length=4),
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].test_predictions, runs[1].test_predictions)
    assert runs[0].estimator_spec["config"]["sequence_length"] == 4
    assert runs[0].feature_config.sequence_length == 4


def test_the_observation_context_starts_at_the_training_splits_least_squares_fit(tmp_path):
    data, _ = toy_data(tmp_path, "paper002")
    required = uhan_config("uhan", n_users=1, vocab_size=1, patch_dim=1).required_inputs
    assert required[-1] == names.SIDE_FEATURES
    fitted = fit_torch_regression(
        data, uhan_builder("uhan", **SMALL), _config(0), required_inputs=required
    )
    context = fitted.estimator.context
    assert isinstance(context, ObservationContext)
    inputs, _, y = data.split_inputs("train", (names.SIDE_FEATURES,), data.feature_config)
    side = inputs.tensors[names.SIDE_FEATURES].double().numpy()
    design = np.c_[side, np.ones(len(side))]
    expected = np.linalg.lstsq(design, y - y.mean(), rcond=None)[0]
    got = [
        *context.linear.weight.detach().double().numpy().ravel(),
        float(context.linear.bias.detach()),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    assert np.abs(expected[:2]).sum() > 0  # the toy data's target does depend on the context


def test_tweets_without_features_are_quarantined_and_reported(tmp_path):
    data, tweets = toy_data(tmp_path, "paper002")
    broken = tweets.copy()
    broken.loc[0, "media_uri"] = str(tmp_path / "gone.png")
    data = data.__class__(**{**data.__dict__, "tweets": broken})
    fitted = fit_torch_regression(
        data, hybrid_cnn_builder(), _config(1), required_inputs=HybridCNN.required_inputs
    )
    assert fitted.quarantine[["tweet_id", "reason", "split"]].values.tolist() == [
        ["000", "media_missing", "train"]
    ]
    assert fitted.rows["train"] == 32


def test_a_split_without_usable_tweets_is_an_error(tmp_path):
    data, _ = toy_data(tmp_path, "paper002")
    empty = data.__class__(**{**data.__dict__, "splits": data.splits.replace("test", "train")})
    with pytest.raises(ValueError, match="no test tweet"):
        fit_torch_regression(
            empty,
            uhan_builder("uhan_no_v", **SMALL),
            _config(1),
            required_inputs=(names.WORD_IDS, names.WORD_MASK, names.USER_INDEX),
        )


def test_a_builder_reading_other_inputs_is_refused(tmp_path):
    data, _ = toy_data(tmp_path, "paper002")
    with pytest.raises(ValueError, match="model reads"):
        fit_torch_regression(
            data, uhan_builder("uhan_no_v", **SMALL), _config(1), required_inputs=(names.PIXELS,)
        )

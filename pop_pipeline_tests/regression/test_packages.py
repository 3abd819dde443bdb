import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import torch

from pop_pipeline.ml.models.regression import regression_inputs as names
from pop_pipeline.regression.data.feature_sources import TweetEmbeddingTable
from pop_pipeline.regression.data.new_tweet_inputs import StoredRegressionHistory
from pop_pipeline.regression.model_input import DUPLICATE_TWEET
from pop_pipeline.regression.packages import RegressionPackage, training_hours_elapsed
from pop_pipeline_tests.regression import regression_fixtures as fx


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return fx.clip_package(tmp_path_factory.mktemp("clip") / "clip")


@pytest.fixture
def photos(tmp_path):
    return fx.write_photo(tmp_path / "media"), tmp_path / "media" / "missing.png"


def _files(folder) -> set[str]:
    return {path.name for path in folder.iterdir()}


def _round_trip(package: RegressionPackage, folder, tweets: pd.DataFrame):
    before, quarantine_before = package.predict(tweets, observed_at=fx.OBSERVED_AT)
    package.save(folder)
    loaded = RegressionPackage.load(folder)
    after, quarantine_after = loaded.predict(tweets, observed_at=fx.OBSERVED_AT)
    pd.testing.assert_frame_equal(before, after)
    pd.testing.assert_frame_equal(quarantine_before, quarantine_after)
    return loaded, after, quarantine_after


def test_dsn_round_trip_with_window_from_the_stored_history(tmp_path, clip_dir, photos):
    photo, missing = photos
    package = fx.dsn_package(clip_dir, photo)
    tweets = fx.prediction_tweets(photo, missing)
    loaded, predictions, quarantine = _round_trip(package, tmp_path / "dsn", tweets)

    assert loaded.estimator_spec["class"] == "DSN"
    assert loaded.estimator.config == package.estimator.config  # tuples restored
    assert isinstance(loaded.estimator.config.category_vocab_sizes, tuple)
    assert not loaded.estimator.training
    assert (tmp_path / "dsn" / "clip" / "clip.safetensors").exists()
    assert loaded.clip_package_dir == tmp_path / "dsn" / "clip"
    # the unseen author 999 is still predicted; the unreadable photo is quarantined
    assert predictions["tweet_id"].tolist() == ["8", "9"]
    assert np.isfinite(predictions["prediction"]).all()
    assert quarantine[["tweet_id", "reason"]].values.tolist() == [["10", "media_missing"]]
    pd.testing.assert_frame_equal(loaded.history.tweets, package.history.tweets)
    pd.testing.assert_frame_equal(loaded.history.users, package.history.users)
    np.testing.assert_array_equal(loaded.history.embeddings.image, package.history.embeddings.image)

    # the window comes from the stored posts: other stored embeddings, other predictions
    stored = package.history
    moved = dataclasses.replace(
        package,
        history=StoredRegressionHistory(
            tweets=stored.tweets,
            users=stored.users,
            embeddings=TweetEmbeddingTable(
                stored.embeddings.tweet_ids, -stored.embeddings.image, -stored.embeddings.text
            ),
        ),
    )
    changed, _ = moved.predict(tweets, observed_at=fx.OBSERVED_AT)
    assert not np.allclose(changed["prediction"], predictions["prediction"])


def test_unseen_user_gets_index_zero_and_a_prediction(tmp_path, clip_dir, photos):
    from pop_pipeline.regression.data.new_tweet_inputs import new_tweet_regression_inputs

    photo, missing = photos
    package = fx.dsn_package(clip_dir, photo)
    tweets = fx.prediction_tweets(photo, missing)
    inputs = new_tweet_regression_inputs(
        tweets,
        history=package.history,
        vocabularies=package.vocabularies,
        clip=package.clip("cpu"),
        required=package.required_inputs,
        observed_at=fx.OBSERVED_AT,
        config=package.feature_config,
    )
    # 102 is the second training author (by frequency: 101 = 1, 102 = 2); 999 is unseen
    assert inputs.tensors[names.USER_INDEX].tolist() == [2, 0]
    expected = package.estimator(inputs.tensors).detach().double().numpy()
    predictions, _ = package.predict(tweets, observed_at=fx.OBSERVED_AT)
    np.testing.assert_allclose(predictions["prediction"], expected, rtol=1e-6)


def test_uhan_round_trip_encodes_patch_grids_with_the_bundled_clip(tmp_path, clip_dir, photos):
    photo, missing = photos
    package = fx.uhan_package(clip_dir, photo)
    loaded, predictions, quarantine = _round_trip(
        package, tmp_path / "uhan", fx.prediction_tweets(photo, missing)
    )
    assert loaded.history is None and loaded.estimator.config == package.estimator.config
    assert predictions["tweet_id"].tolist() == ["8", "9"]
    assert quarantine["reason"].tolist() == ["media_missing"]


def test_hybrid_cnn_round_trip_reads_pixels_without_clip(tmp_path, photos):
    photo, missing = photos
    package = fx.hybrid_cnn_package()
    tweets = fx.prediction_tweets(photo, missing)
    loaded, predictions, quarantine = _round_trip(package, tmp_path / "cnn", tweets)
    assert loaded.estimator.config.fc_units == (5, 4)
    assert not (tmp_path / "cnn" / "clip").exists() and loaded.clip_package_dir is None
    assert predictions["tweet_id"].tolist() == ["8", "9"]
    assert quarantine["tweet_id"].tolist() == ["10"]
    # no history: the input's follower count is used (7 for 999, 5 for 102)
    with_users, _ = fx.hybrid_cnn_package(fx.history(4)).predict(tweets, observed_at=fx.OBSERVED_AT)
    assert with_users["prediction"].iloc[1] == pytest.approx(predictions["prediction"].iloc[1])
    assert with_users["prediction"].iloc[0] != pytest.approx(predictions["prediction"].iloc[0])


def test_baseline_round_trip_without_pickle(tmp_path, photos):
    photo, missing = photos
    package = fx.baseline_package()
    tweets = fx.prediction_tweets(photo, missing)
    loaded, predictions, quarantine = _round_trip(package, tmp_path / "base", tweets)
    assert {"estimator.json", "estimator.safetensors"} <= _files(tmp_path / "base")
    assert type(loaded.estimator).__name__ == "HisAveBaseline"
    # no DSN window: the package keeps the stored users, none of the stored posts
    assert loaded.history.tweets.empty and len(loaded.history.embeddings.tweet_ids) == 0
    pd.testing.assert_frame_equal(loaded.history.users, package.history.users)
    # no CLIP or pixel input: the missing photo does not matter; 999 gets the global mean
    assert quarantine.empty
    assert predictions["prediction"].tolist() == pytest.approx([4.0, 8 / 3, 2.0])


def test_repeated_ids_are_quarantined_and_bad_folders_refused(tmp_path, clip_dir, photos):
    photo, missing = photos
    package = fx.baseline_package()
    tweets = fx.prediction_tweets(photo, missing)
    predictions, quarantine = package.predict(
        pd.concat([tweets, tweets.iloc[[0]]]), observed_at=fx.OBSERVED_AT
    )
    assert predictions["tweet_id"].tolist() == ["8", "9", "10"]
    assert quarantine[["tweet_id", "reason"]].values.tolist() == [["8", DUPLICATE_TWEET]]
    with pytest.raises(ValueError, match="lacks columns: media_uri"):
        package.predict(tweets.drop(columns="media_uri"), observed_at=fx.OBSERVED_AT)

    package.save(tmp_path / "p")
    meta = json.loads((tmp_path / "p" / "package.json").read_text())
    (tmp_path / "p" / "package.json").write_text(json.dumps({**meta, "format": "other/1"}))
    with pytest.raises(ValueError, match="not a pop-regression-package/1"):
        RegressionPackage.load(tmp_path / "p")
    with pytest.raises(ValueError, match="no clip_package_dir"):
        dataclasses.replace(fx.dsn_package(clip_dir, photo), clip_package_dir=None)


def test_state_dicts_match_after_load(tmp_path, clip_dir, photos):
    photo, _ = photos
    package = fx.dsn_package(clip_dir, photo)
    package.save(tmp_path / "d")
    loaded = RegressionPackage.load(tmp_path / "d")
    for key, value in package.estimator.state_dict().items():
        assert torch.equal(value, loaded.estimator.state_dict()[key]), key


@pytest.mark.parametrize("name", ["hisave", "svr_image", "svr_bow", "svr_wordemb", "gbdt"])
def test_every_baseline_round_trips_as_json_and_safetensors(tmp_path, clip_dir, photos, name):
    photo, missing = photos
    package = fx.fitted_baseline_package(name, clip_dir, tmp_path / "train")
    tweets = fx.prediction_tweets(photo, missing)
    loaded, predictions, _ = _round_trip(package, tmp_path / name, tweets)
    assert type(loaded.estimator) is type(package.estimator)
    assert "estimator.json" in _files(tmp_path / name)
    assert not [p for p in (tmp_path / name).rglob("*") if p.suffix in {".joblib", ".pkl"}]
    assert len(set(np.round(predictions["prediction"], 9))) > 1  # not a constant


def test_a_pickled_baseline_of_an_older_package_is_refused(tmp_path):
    package = fx.baseline_package()
    package.save(tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "package.json").read_text())
    (tmp_path / "old" / "package.json").write_text(json.dumps({**meta, "estimator_kind": "joblib"}))
    with pytest.raises(ValueError, match="would unpickle code"):
        RegressionPackage.load(tmp_path / "old")


def test_an_estimator_that_only_pickles_is_refused():
    with pytest.raises(ValueError, match="neither a torch model nor a RegressionBaseline"):
        dataclasses.replace(fx.baseline_package(), estimator=object())


def test_the_training_range_of_hours_elapsed_is_recorded_and_read(tmp_path):
    assert training_hours_elapsed(fx.stored_tweets()) == (98.0, 100.0)
    package = dataclasses.replace(fx.hybrid_cnn_package(), training_hours_elapsed=(98.0, 100.0))
    package.save(tmp_path / "p")
    meta = json.loads((tmp_path / "p" / "package.json").read_text())
    assert meta["training_hours_elapsed"] == {"min": 98.0, "max": 100.0}
    assert RegressionPackage.load(tmp_path / "p").training_hours_elapsed == (98.0, 100.0)
    # a package written before the range was recorded: none, and no warning later
    del meta["training_hours_elapsed"]
    (tmp_path / "p" / "package.json").write_text(json.dumps(meta))
    assert RegressionPackage.load(tmp_path / "p").training_hours_elapsed is None

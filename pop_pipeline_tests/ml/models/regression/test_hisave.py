import json

import pytest

from pop_pipeline.ml.models.regression.hisave import HistoricalAverage


def test_author_means_and_global_mean_for_unseen_authors():
    model = HistoricalAverage().fit(["a", "a", "b", "a"], [1.0, 2.0, 10.0, 6.0])
    # a: (1 + 2 + 6) / 3 = 3; b: 10; global: 19 / 4 = 4.75
    assert model.author_means == {"a": 3.0, "b": 10.0}
    assert model.predict(["b", "a", "zzz"]).tolist() == pytest.approx([10.0, 3.0, 4.75])


def test_round_trips_through_json():
    model = HistoricalAverage().fit(["1", "2"], [0.5, 1.5])
    again = HistoricalAverage.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    with pytest.raises(ValueError, match="hisave"):
        HistoricalAverage.from_dict({"kind": "popularity", "version": 1})


def test_rejects_empty_misaligned_and_nan_training_data():
    with pytest.raises(ValueError, match="need > 0"):
        HistoricalAverage().fit([], [])
    with pytest.raises(ValueError, match="2 authors for 1"):
        HistoricalAverage().fit(["a", "b"], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        HistoricalAverage().fit(["a"], [float("nan")])

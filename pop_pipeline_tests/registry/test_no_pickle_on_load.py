"""Every registered model kind logs from code and loads with unpickling made to fail.

Each kind is logged the way the pipeline logs it (``publish_ranking_model``,
``publish_regression_model``, ``log_clip_encoder``) into a SQLite MLflow in a temporary
folder, then ``mlflow.pyfunc.load_model`` runs while ``pickle``, ``cloudpickle``, ``joblib``,
``numpy.load(allow_pickle=True)`` and ``torch.load(weights_only=False)`` raise; the loaded
model must predict. No logged model may hold a ``*.pkl``, ``*.pickle`` or ``*.joblib`` file.
"""

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import cloudpickle
import joblib
import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
import yaml

from pop_pipeline.ml.features.semantic_clusters import SemanticClusters
from pop_pipeline.ml.models.ranking.amnl import AMNL, AMNLConfig
from pop_pipeline.ml.models.ranking.amnl_plus import AMNLPlus, AMNLPlusConfig
from pop_pipeline.ml.models.ranking.bpr import BPR, BPRConfig
from pop_pipeline.ml.models.ranking.citing import Citing, CitingConfig
from pop_pipeline.ml.models.ranking.dsempre import DSempre, DSempreConfig
from pop_pipeline.ml.models.ranking.popularity_baseline import PopularityRanker
from pop_pipeline.ml.models.ranking.vbpr import VBPR, VBPRConfig
from pop_pipeline.ranking import pyfunc as pyfuncs
from pop_pipeline.ranking.fit.content_trainers import TrainedCiting, TrainedDSempre, TrainedVbpr
from pop_pipeline.ranking.model_input import ranking_input_frame
from pop_pipeline.ranking.packages import amnl_bpr_popularity as model_packages
from pop_pipeline.ranking.packages import content_models as content
from pop_pipeline.registry.clip_pyfunc import ClipEncoderPyfunc
from pop_pipeline.registry.model_code import CODE_DIR, MODEL_CODE_FILES, model_code_path
from pop_pipeline.registry.publish import log_clip_encoder, publish_ranking_model
from pop_pipeline.regression.publish import publish_regression_model
from pop_pipeline.regression.pyfunc import RegressionPyfunc
from pop_pipeline_tests.ml.torch_threads import single_torch_thread  # noqa: F401
from pop_pipeline_tests.regression import regression_fixtures as fx

USERS = ["u0", "u1"]
CLIP_DIM, PATCH_DIM, GRID = 128, 128, 8  # the tiny in-domain CLIP's widths
PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib"}


class UnpicklingRefused(AssertionError):
    """Raised by every unpickling entry point while :func:`no_unpickling` is active."""


@pytest.fixture
def no_unpickling(monkeypatch):
    """Make pickle, cloudpickle, joblib, ``numpy.load(allow_pickle=True)`` and
    ``torch.load(weights_only=False)`` raise :class:`UnpicklingRefused`."""

    def refuse(*args, **kwargs):
        raise UnpicklingRefused("something tried to unpickle")

    class RefusingUnpickler(pickle.Unpickler):
        def __init__(self, *args, **kwargs):
            refuse()

    for module in (pickle, cloudpickle):
        monkeypatch.setattr(module, "load", refuse)
        monkeypatch.setattr(module, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", RefusingUnpickler)
    monkeypatch.setattr(joblib, "load", refuse)
    numpy_load, torch_load = np.load, torch.load

    def guarded_numpy_load(*args, allow_pickle=False, **kwargs):
        if allow_pickle:
            refuse()
        return numpy_load(*args, allow_pickle=False, **kwargs)

    def guarded_torch_load(*args, weights_only=None, **kwargs):
        if weights_only is False:
            refuse()
        return torch_load(*args, weights_only=True, **kwargs)

    monkeypatch.setattr(np, "load", guarded_numpy_load)
    monkeypatch.setattr(torch, "load", guarded_torch_load)


@pytest.fixture(scope="module")
def tracking(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    experiment = mlflow.create_experiment("no-pickle", artifact_location=(root / "a").as_uri())
    mlflow.set_experiment(experiment_id=experiment)
    yield
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    return fx.clip_package(tmp_path_factory.mktemp("clip") / "clip")


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


# --- ranking packages (untrained weights of the right shapes: loading is what is tested) -----


def _amnl(folder: Path) -> None:
    config = AMNLConfig(n_users=2, image_dim=CLIP_DIM, text_dim=CLIP_DIM, preference_dim=4)
    model = AMNL(config, torch.tensor([[1], [0]]))
    model_packages.AmnlPackage(model=model.eval(), user_ids=USERS).save(folder)


def _amnl_plus(folder: Path) -> None:
    config = AMNLPlusConfig(
        n_users=2,
        patch_dim=PATCH_DIM,
        image_dim=CLIP_DIM,
        sentence_dim=CLIP_DIM,
        grid_height=GRID,
        grid_width=GRID,
        rnn_dim=4,
        text_attention_dim=4,
        preference_dim=4,
        social_attention_dim=4,
    )
    model = AMNLPlus(config, torch.tensor([[1], [0]]))
    content.AmnlPlusPackage(model=model.eval(), user_ids=USERS).save(folder)


def _vbpr(folder: Path) -> None:
    config = VBPRConfig(n_users=2, n_items=2, visual_dim=CLIP_DIM, embedding_dim=4)
    model = VBPR(config).eval()
    content.save_vbpr(TrainedVbpr(model=model, user_ids=USERS, item_ids=["t0", "t1"]), folder)


def _citing(folder: Path) -> None:
    model = Citing(CitingConfig(n_users=2, image_dim=CLIP_DIM, text_dim=CLIP_DIM, embedding_dim=4))
    content.save_citing(TrainedCiting(model=model.eval(), user_ids=USERS), folder)


def _dsempre(folder: Path) -> None:
    config = DSempreConfig(
        user_dim=2,
        image_dim=CLIP_DIM,
        text_dim=CLIP_DIM,
        modality_dim=8,
        descriptor_dim=8,
        embedding_dim=4,
    )
    users, posts = np.random.default_rng(0).normal(size=(2, 2, CLIP_DIM))
    trained = TrainedDSempre(
        model=DSempre(config).eval(),
        user_ids=USERS,
        user_bags=np.eye(2, dtype=np.float32),
        user_clusters=SemanticClusters(users, True),
        post_clusters=SemanticClusters(posts, True),
    )
    content.save_dsempre(trained, folder)


def _bpr(folder: Path) -> None:
    model = BPR(BPRConfig(n_users=2, n_items=2, embedding_dim=4)).eval()
    model_packages.BprPackage(model=model, user_ids=USERS, item_ids=["t0", "t1"]).save(folder)


def _popularity(folder: Path) -> None:
    ranker = PopularityRanker(
        tweet_retweets={"t0": 3}, author_mean_retweets={"101": 1.5}, global_mean_retweets=0.5
    )
    model_packages.save_popularity(ranker, folder)


RANKING: dict[str, tuple[type, Callable[[Path], None], bool]] = {
    # model name: (pyfunc, package writer, bundles the CLIP)
    "amnl": (pyfuncs.AmnlPyfunc, _amnl, True),
    "amnl_plus": (pyfuncs.AmnlPlusPyfunc, _amnl_plus, True),
    "vbpr": (pyfuncs.VbprPyfunc, _vbpr, True),
    "citing": (pyfuncs.CitingPyfunc, _citing, True),
    "dsempre": (pyfuncs.DSemprePyfunc, _dsempre, True),
    "bpr": (pyfuncs.BprPyfunc, _bpr, False),
    "popularity": (pyfuncs.PopularityPyfunc, _popularity, False),
}
REGRESSION = ["hybrid_cnn", "uhan", "dsn", "hisave", "svr_image", "svr_bow", "svr_wordemb", "gbdt"]


def _ranking_frame(media: Path) -> pd.DataFrame:
    photos = [fx.write_photo(media, f"rank{i}.png", (60 * i, 90, 200 - 60 * i)) for i in range(3)]
    return ranking_input_frame(
        pd.DataFrame(
            {
                "user_id": ["u0", "u1", "stranger"],
                "tweet_id": ["t0", "t1", "t9"],
                "author_id": ["101", "102", "101"],
                "created_at": ["2026-03-01T10:00:00Z"] * 3,
                "text": ["red cat", "blue dog #sea", "sun"],
                "comments": ["nice\nwow", "", "ok"],
                "media_uri": [str(path) for path in photos],
                "author_followers_count": [5, 7, 9],
            }
        )
    )


def _logged_files(model_uri: str) -> list[Path]:
    return [path for path in Path(mlflow.artifacts.download_artifacts(model_uri)).rglob("*")]


def _assert_logged_from_code(model_uri: str, code_file: str) -> None:
    files = _logged_files(model_uri)
    assert not [path for path in files if path.suffix in PICKLE_SUFFIXES]
    mlmodel = next(path for path in files if path.name == "MLmodel")
    flavor = yaml.safe_load(mlmodel.read_text())["flavors"]["python_function"]
    assert Path(flavor["model_code_path"]).name == code_file
    assert "python_model" not in flavor
    assert code_file in {path.name for path in files}


@pytest.mark.parametrize("name", sorted(RANKING))
def test_every_ranking_model_loads_without_unpickling(
    name, tracking, clip_dir, media, tmp_path, no_unpickling
):
    pyfunc, write_package, bundles_clip = RANKING[name]
    package = tmp_path / "package"
    write_package(package)
    if bundles_clip:
        shutil.copytree(clip_dir, package / "clip")
    frame = _ranking_frame(media)
    published = publish_ranking_model(
        model_name=f"np_{name}",
        model_code=model_code_path(pyfunc),
        package_dir=package,
        params={"epochs": 1},
        epoch_losses=[1.0],
        test_metrics={"auc": 0.6},
        input_example=frame.head(2),
        output_example=pd.DataFrame({"score": [0.0, 0.0]}),
        data_version="v",
    )
    assert published.decision.promoted

    loaded = mlflow.pyfunc.load_model(f"models:/pop-np_{name}@champion")

    assert type(loaded.unwrap_python_model()) is pyfunc
    scores = loaded.predict(frame)["score"].to_numpy()
    assert scores.shape == (3,) and np.isfinite(scores).all()
    _assert_logged_from_code(published.model_uri, MODEL_CODE_FILES[pyfunc.__name__])


def _regression_package(name: str, clip_dir: Path, media: Path):
    photo = fx.write_photo(media)
    if name == "hybrid_cnn":
        return fx.hybrid_cnn_package(fx.history(4))
    if name == "uhan":
        return fx.uhan_package(clip_dir, photo)
    if name == "dsn":
        return fx.dsn_package(clip_dir, photo)
    return fx.fitted_baseline_package(name, clip_dir, media / "train")


@pytest.mark.parametrize("name", REGRESSION)
def test_every_regression_model_loads_without_unpickling(
    name, tracking, clip_dir, media, no_unpickling
):
    package = _regression_package(name, clip_dir, media)
    published = publish_regression_model(
        package=package,
        params={},
        epoch_losses=[1.0],
        validation_losses=[1.0],
        test_metrics={"mae": 0.5},
        main_metric="mae",
        higher_is_better=False,
        data_version="v",
    )
    assert published.decision.promoted

    loaded = mlflow.pyfunc.load_model(f"models:/pop-{package.model_name}@champion")

    assert type(loaded.unwrap_python_model()) is RegressionPyfunc
    tweets = fx.prediction_tweets(fx.write_photo(media), media / "missing.png")
    output = loaded.predict(tweets, params={"observed_at": "2026-03-02T12:00:00"})
    expected, _ = package.predict(tweets, observed_at=fx.OBSERVED_AT)
    scored = output.set_index("tweet_id").loc[expected["tweet_id"], "prediction"]
    # the logged package predicts as the one in memory (baselines: rebuilt from their state)
    np.testing.assert_allclose(scored.to_numpy(), expected["prediction"], rtol=1e-6)
    assert len(expected) >= 2
    _assert_logged_from_code(published.model_uri, MODEL_CODE_FILES["RegressionPyfunc"])


def test_the_clip_encoder_loads_without_unpickling(tracking, clip_dir, media, no_unpickling):
    with mlflow.start_run():
        model_uri = log_clip_encoder(clip_dir)

    loaded = mlflow.pyfunc.load_model(model_uri)

    assert type(loaded.unwrap_python_model()) is ClipEncoderPyfunc
    photo = fx.write_photo(media)
    output = loaded.predict(pd.DataFrame({"media_uri": [str(photo)], "text": ["red cat"]}))
    assert len(output["image_embedding"].iloc[0]) == len(output["text_embedding"].iloc[0])
    _assert_logged_from_code(model_uri, MODEL_CODE_FILES["ClipEncoderPyfunc"])


def test_the_guard_catches_a_pickled_pyfunc(tracking, no_unpickling):
    """Without models-from-code MLflow cloudpickles the pyfunc: the guard must refuse it."""
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="model", python_model=pyfuncs.BprPyfunc(), pip_requirements=["pandas"]
        )
    assert any(path.suffix == ".pkl" for path in _logged_files(info.model_uri))
    with pytest.raises(UnpicklingRefused):
        mlflow.pyfunc.load_model(info.model_uri)


def test_every_model_code_file_sets_its_pyfunc():
    for class_name, file_name in MODEL_CODE_FILES.items():
        text = (CODE_DIR / file_name).read_text()
        assert f"mlflow.models.set_model({class_name}())" in text, file_name
    assert model_code_path(RegressionPyfunc) == CODE_DIR / "regression.py"
    with pytest.raises(KeyError, match="no models-from-code file"):
        model_code_path(dict)

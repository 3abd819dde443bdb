"""Model references in messages: the registered name, and no password."""

from pop_pipeline.scoring.model_reference import registered_name, shown_uri


def test_shown_uri_hides_the_password():
    assert (
        shown_uri("postgresql://pop:s3cret@db:5432/mlflow") == "postgresql://pop:***@db:5432/mlflow"
    )
    assert shown_uri("sqlite:///home/.pop/mlflow.db") == "sqlite:///home/.pop/mlflow.db"
    assert shown_uri("http://localhost:5000") == "http://localhost:5000"


def test_registered_name_of_each_form():
    assert registered_name("pop-amnl@champion") == "pop-amnl"
    assert registered_name("models:/pop-amnl/3") == "pop-amnl"
    assert registered_name("pop-amnl") == "pop-amnl"
    assert registered_name("runs:/abc/model") == "runs:/abc/model"

from dataclasses import dataclass, field

import pytest

from pop_pipeline.ml.config_defaults import field_default


@dataclass(frozen=True)
class Example:
    size: int
    rate: float = 0.5
    names: tuple[str, ...] = field(default_factory=tuple)


def test_reads_a_plain_default():
    assert field_default(Example, "rate") == 0.5


@pytest.mark.parametrize("name", ["size", "names", "missing"])
def test_a_field_without_a_plain_default_is_an_error(name):
    with pytest.raises(KeyError):
        field_default(Example, name)

"""The theme benches' setting changes (``--param NAME=VALUE``)."""

from __future__ import annotations

import pytest

from bench.themes_unseen import theme_params
from pipeline.themes import DEFAULT_PARAMS


def test_param_changes_are_read_as_their_fields_types() -> None:
    params = theme_params(["clusterer=hdbscan", "min_samples=3", "distance=0.6", "center=true"])
    assert (params.clusterer, params.min_samples, params.distance, params.center) == ("hdbscan", 3, 0.6, True)
    assert params.term_weight == DEFAULT_PARAMS.term_weight and theme_params([]) == DEFAULT_PARAMS


def test_an_unknown_setting_stops_the_run() -> None:
    with pytest.raises(AttributeError):
        theme_params(["linkage=ward"])

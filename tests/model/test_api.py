"""The public API of techbloc.model: every name in ``__all__`` is there."""

import techbloc
import techbloc.model


def test_every_public_name_resolves():
    for name in techbloc.model.__all__:
        assert getattr(techbloc.model, name) is not None, name


def test_the_top_level_simulate_is_the_model_one():
    from techbloc.model.dataset import simulate

    assert techbloc.simulate is techbloc.model.simulate is simulate

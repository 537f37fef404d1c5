import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from techbloc.analysis.search_pareto import pareto_mask, subset_masks


def brute_pareto(values, directions):
    s = values * np.where(np.array(directions) == "max", -1.0, 1.0)
    le = (s[:, None, :] <= s[None, :, :]).all(axis=2)
    lt = (s[:, None, :] < s[None, :, :]).any(axis=2)
    return ~(le & lt).any(axis=0)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(1, 700), st.integers(1, 3)), elements=st.integers(0, 5)),
    st.data(),
)
def test_pareto_mask_matches_brute_force(values, data):
    directions = data.draw(
        st.lists(
            st.sampled_from(["max", "min"]), min_size=values.shape[1], max_size=values.shape[1]
        )
    )
    values = values.astype(float)
    assert (pareto_mask(values, directions) == brute_pareto(values, directions)).all()


def test_subset_masks_constraints():
    m = subset_masks(6, min_size=2, max_size=4, required=[0], excluded=[5])
    assert m[:, 0].all() and not m[:, 5].any()
    assert ((m.sum(1) >= 2) & (m.sum(1) <= 4)).all()
    # 4 free members, 1 required: sizes 2..4 -> choose 1..3 of 4 free = 4 + 6 + 4
    assert len(m) == 14
    assert len({row.tobytes() for row in m}) == len(m)
    assert subset_masks(16).shape == (2**16, 16)

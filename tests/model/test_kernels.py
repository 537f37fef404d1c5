"""The compiled kernels against their numpy references (rtol 1e-9)."""

import numpy as np
import pytest

from techbloc.coalitions import Coalition, presets
from techbloc.model import kernels
from techbloc.model.flows import FlowInputs, FlowWorkspace, domain_flows, domain_flows_reference
from techbloc.policies import Policy

# skipped without numba, a failure in CI (tests/conftest.py)
pytestmark = pytest.mark.requires("numba")

FIELDS = (
    "access",
    "frontier",
    "leader",
    "stock_exposure",
    "pool",
    "member_exposure",
    "contribution",
    "gain",
    "allied_bonus",
    "rd",
    "country_knowledge",
    "military",
    "usable",
    "realized",
    "knowledge",
    "know_how",
)


def _inputs(rng, S=5, P=3, D=4, N=11, knowledge=None):
    members = rng.random((S, P, N)) < 0.5
    members[:, 0] = True  # everyone a member in one policy
    members[:, 1] = False  # nobody in another
    stringency = rng.random((S, P, D))
    stringency[:, 0] = 0.6  # equal across domains (openness computed once)
    stringency[0, 2, 1] = stringency[0, 2, 0]  # equal only for a pair of domains
    if knowledge is None:
        knowledge = rng.random((S, P, D, N)) * 10
        knowledge[..., 3] = knowledge[..., 5]  # ties in intensity (equal outputs below)
        knowledge[1, 1, 2, 7] = 0.0
    output = rng.random(N) + 0.5
    output[5] = output[3]
    size = output.copy()
    size[4] = 0.0  # China
    holders = np.ones(N, dtype=bool)
    holders[4] = False
    us = np.maximum(stringency, 0.5)  # the US's own level (v4)
    us[:, 1] = stringency[:, 1]  # a policy where its floor never binds
    us[1, 0, 1] = 0.8  # differs across domains of equal members' level
    shared = rng.random((S, P, D)) * 5  # the coalition's shared stock
    shared[:, 1] = 0.0
    return FlowInputs(
        knowledge=knowledge,
        know_how=knowledge * rng.random((S, P, D, N)),
        national_rd=rng.random((S, P, N)) * 5,
        mix=rng.dirichlet(np.ones(D), size=(S, N)).transpose(0, 2, 1).copy(),
        members=members,
        share=members * rng.random((S, P, N)) * 0.2,
        boost=1 + rng.random((S, P)),
        member_level=stringency,
        us_level=us,
        binding=rng.random((S, P, N)) * 1.2,
        us_binding=rng.random((S, P, N)) * 0.5,
        holders=holders,
        concentration=rng.random(S) * 2,
        exponent=1 + rng.random(S) * 4,
        leak=rng.random((S, P, N)) * 0.1,
        theta=0.5 + rng.random(S),
        absorptive_multiple=rng.random(S) * 2,
        shared=shared,
        output=output,
        size=size,
        rate=rng.random(S) * 0.1,
        allied=rng.random(S),
        depreciation=rng.random((S, D)) * 0.2,
        complexity=rng.random((S, D)),
        learning_rate=rng.random(S) * 0.3,
        experience=rng.random(N),
        military_weight=rng.random(D),
    )


def _assert_same(fast, slow):
    for name in FIELDS:
        np.testing.assert_allclose(
            getattr(fast, name), getattr(slow, name), rtol=1e-9, atol=1e-12, err_msg=name
        )


def test_compiled_domain_flows_match_numpy_reference():
    rng = np.random.default_rng(0)
    x = _inputs(rng)
    workspace = FlowWorkspace(x.knowledge.shape)
    fast = domain_flows(x, 4, update=True, outputs=True, workspace=workspace)
    _assert_same(fast, domain_flows_reference(x, 4, update=True, outputs=True))
    # a second year warm-starts the sort from the first year's order
    workspace.recycle(x.knowledge.copy(), x.know_how.copy())
    y = _inputs(rng, knowledge=fast.knowledge[..., ::-1].copy())
    fast = domain_flows(y, 4, update=True, outputs=True, workspace=workspace)
    _assert_same(fast, domain_flows_reference(y, 4, update=True, outputs=True))
    order = workspace.order
    np.testing.assert_array_equal(
        np.sort(order, axis=-1), np.broadcast_to(np.arange(11), order.shape)
    )


def test_compiled_domain_flows_parallel_equals_serial(monkeypatch):
    x = _inputs(np.random.default_rng(1), S=40, P=4, D=6, N=30)
    from techbloc.model.jit import flows

    monkeypatch.setattr(flows, "PARALLEL_ROWS", 1)
    parallel = domain_flows(x, 4, update=True, outputs=True)
    monkeypatch.setattr(flows, "PARALLEL_ROWS", 10**9)
    serial = domain_flows(x, 4, update=True, outputs=True)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(parallel, name), getattr(serial, name))


def test_compiled_domain_flows_skip_what_is_not_asked_for():
    x = _inputs(np.random.default_rng(2))
    fast = domain_flows(x, 4, update=False, outputs=False)
    slow = domain_flows_reference(x, 4, update=False, outputs=False)
    for name in FIELDS[10:]:
        assert getattr(fast, name) is None and getattr(slow, name) is None
    for name in FIELDS[:10]:
        np.testing.assert_allclose(
            getattr(fast, name), getattr(slow, name), rtol=1e-9, atol=1e-12, err_msg=name
        )


def test_engine_outputs_match_numpy_reference(world, sampled_scenarios, monkeypatch):
    from techbloc.model import simulate

    policies = [Policy(Coalition.from_preset(name)) for name in list(presets())[:6]]
    policies.append(
        Policy(
            Coalition.parse("USA,JPN,KOR,DEU"),
            pool_share=0.2,
            start_year=2027,
            control_stringency={"semiconductors": 0.9},
            name="late",
        )
    )
    scenarios = sampled_scenarios.iloc[:12]
    fast = simulate(world, scenarios, policies, end_year=2045, seed=5)
    monkeypatch.setenv("TECHBLOC_NUMBA", "0")
    slow = simulate(world, scenarios, policies, end_year=2045, seed=5)
    assert set(fast.data_vars) == set(slow.data_vars)
    for name in fast.data_vars:
        np.testing.assert_allclose(
            fast[name].values.astype(float),
            slow[name].values.astype(float),
            rtol=1e-9,
            atol=1e-12,
            err_msg=name,
        )


def test_numba_not_imported_with_the_model():
    import subprocess
    import sys

    code = (
        "import sys, techbloc.model, techbloc.model.flows, techbloc.model.kernels; "
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_compiled_margins_match_numpy_reference():
    from techbloc.model.partners import margins_from_flows

    rng = np.random.default_rng(3)
    S, P, N = 6, 4, 9
    will_ = rng.random((S, P, N))
    will_[:, :, 2] = will_[:, :, 5]  # ties for the least will
    members = rng.random((S, P, N)) < 0.6
    members[:, 1] = False  # no members
    members[:, 2] = False
    members[:, 2, 0] = True  # a single member
    members[0, 3, [2, 5]] = True
    values = {
        name: rng.random(S)
        for name in ("payoff_scale", "trade_cost", "friction_scale", "security_value")
    }
    args = (
        rng.random((S, P, N)),
        rng.random((S, P, N)),
        rng.random((S, P, N)),
        rng.random((S, P, N)) * 5,
        0.5 + rng.random(S),
        rng.random(P),
        rng.random((S, P)) * 0.5,  # the US's own level, mean over domains
        will_,
        members,
        rng.random(S),
        rng.random(N),
        rng.random((S, P, N)),
        rng.random(N),
        rng.random(S),
        values,
    )
    args[3][0, 0, 0] = 0.0  # R&D floored at 1e-12
    fast = margins_from_flows(*args)
    slow = margins_from_flows.reference(*args)
    np.testing.assert_array_equal(np.isnan(fast), ~members)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)


def _toggle_args(rng, S=5, P=4, D=3, N=9, china=4, usa=0):
    members = rng.random((S, P, N)) < 0.5
    members[:, 0] = True  # everyone a member
    members[:, 1] = False  # nobody
    members[..., china] = False
    will_ = rng.random((S, P, N))
    will_[:, :, 2] = will_[:, :, 6]  # ties for the least will
    stringency = rng.random((S, P, D))
    stringency[:, 2] = 0.4  # equal across domains (openness reused)
    holders = np.ones(N, dtype=bool)
    holders[china] = False
    share = members * rng.random((S, P, N)) * 0.2
    floor = rng.random(D) * 0.6
    floor[1] = floor[0]  # equal in two domains (openness reused where s* is equal too)
    from techbloc.model.relative_gains import ToggleInputs

    return ToggleInputs(
        members=members,
        will=will_,
        target=rng.random((S, P, D)),
        stringency=stringency,
        protection=rng.random((S, P, N)),
        reach=rng.random(S) * 0.5,
        knowledge=rng.random((S, P, D, N)) * 10,
        holders=holders,
        concentration=1 + rng.random(S) * 2,
        exponent=1 + rng.random(S) * 8,
        leak=rng.random((S, P, N)) * 0.3,
        contribution=rng.random((S, P, N)),
        national_rd=rng.random((S, P, N)) * 5,
        mix=rng.dirichlet(np.ones(D), size=(S, N)).transpose(0, 2, 1),
        share=share,
        joining_share=~members * rng.random((S, P, N)) * 0.1,
        shared=rng.random((S, P, D)) * 3,
        stock_leak_share=1 + rng.random(S) * 3,
        per_access=rng.random((S, P, D)),
        per_exposure=rng.random((S, P, D)),
        floor=floor,
        china=china,
        usa=usa,
    )


@pytest.mark.parametrize("domains", [3, 8])
def test_compiled_growth_changes_match_numpy_reference(domains):
    """With 8 domains, one policy's equal targets make a run of 8 domains: the kernel sums
    six at a time, then two."""
    import dataclasses

    from techbloc.model.relative_gains import growth_changes

    args = _toggle_args(np.random.default_rng(4), D=domains)
    target = args.target.copy()
    target[:, 2] = 0.7  # equal across domains, as are policy 2's stringency and the floor
    args = dataclasses.replace(args, target=target, floor=np.full(domains, 0.3))
    fast = growth_changes(args)
    slow = growth_changes.reference(args)
    assert np.all(fast[..., 4] == 0) and np.abs(fast).max() > 0
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)
    members_only = growth_changes(args, outsiders=False)
    np.testing.assert_allclose(
        members_only,
        growth_changes.reference(args, outsiders=False),
        rtol=1e-9,
        atol=1e-12,
    )
    members = args.members
    np.testing.assert_array_equal(members_only[~members], 0.0)
    np.testing.assert_allclose(members_only[members], fast[members], rtol=1e-12)


def test_compiled_protection_terms_match_numpy_reference():
    from techbloc.model.protection import ProtectionInputs, protection_terms

    rng = np.random.default_rng(8)
    S, P, D, N, usa = 6, 4, 3, 9, 2
    members = rng.random((S, P, N)) < 0.5
    members[:, 0] = False  # nobody: stringency 0
    members[:, 1] = True
    args = ProtectionInputs(
        members=members,
        margin=rng.normal(0, 0.5, (S, P, N)),
        logit_base=rng.normal(0, 1, (S, N)),
        will_credibility=rng.random(S),
        credibility=rng.random(S),
        will_value=rng.random(S) * 2,
        effort=rng.random((S, 1, N)),
        capability=rng.random((S, P, N)),
        reach=rng.random(S),
        pool_share=rng.random(P) * 0.3,
        us_factor=rng.random(S),
        base_leak_rate=rng.random(S) * 0.2,
        target=rng.random((P, D)),
        usa=usa,
    )
    fast = protection_terms(args)
    slow = protection_terms.reference(args)
    for name, value in fast._asdict().items():
        np.testing.assert_allclose(value, getattr(slow, name), rtol=1e-12, atol=0, err_msg=name)
    np.testing.assert_array_equal(fast.stringency[:, 0], 0.0)
    np.testing.assert_array_equal(fast.will[..., usa], 1.0)


def test_compiled_veto_matches_numpy_reference():
    from techbloc.model.relative_gains import VetoInputs, veto

    rng = np.random.default_rng(5)
    S, P, D, N = 6, 4, 3, 10
    members = rng.random((S, P, N)) < 0.4
    members[:, 0] = True
    members[:, 1] = False
    members[:, 2] = False
    members[:, 2, 0] = True  # a single member
    args = VetoInputs(
        members=members,
        pool_paid=rng.random((S, P, D)),
        joining_paid=rng.random((S, P, D, N)) * 0.3,
        cap=rng.random((S, P, D, N)),
        rd=rng.random((S, P, N)) * 5 + 0.1,
        synergy=rng.random(S) * 0.5,
        trade_weight=rng.random((S, P, N)) * 0.2,
        stringency_drop=rng.random((S, P, N)) * 0.3,
        friction=rng.random((S, N, N)) * 0.2,
        friction_scale=rng.random(S),
        concern=rng.random((S, N)),
        growth_change=rng.normal(0, 0.02, (S, P, N)),
        payoff_scale=0.5 + rng.random(S),
        tolerance=rng.random(S) * 0.02,
    )
    fast = veto(args)
    slow = veto.reference(args)
    assert fast.any() and not fast[~members].all()
    assert not fast[members].any()
    np.testing.assert_array_equal(fast, slow)


def test_compiled_growth_changes_threads_equal_serial(monkeypatch):
    from techbloc.model.relative_gains import growth_changes

    args = _toggle_args(np.random.default_rng(6), S=12)
    from techbloc.model import jit

    monkeypatch.setattr(jit, "threads", lambda: 2)
    split = growth_changes(args)
    monkeypatch.setattr(jit, "threads", lambda: 1)
    serial = growth_changes(args)
    np.testing.assert_array_equal(split, serial)


@pytest.mark.parametrize("name", ["flows", "margins", "protection", "toggle", "veto"])
def test_kernel_arguments_match_the_named_tuple(name):
    """Each kernel's parameters are its named tuple's fields, in order (no positional slips)."""
    import importlib
    import inspect

    entry = kernels.KERNELS[name]
    kernel = getattr(importlib.import_module(f"techbloc.model.jit.{name}"), name)
    parameters = list(inspect.signature(kernel.py_func).parameters)
    inner = [p for p in parameters if p not in ("first", "stop", "out")]
    assert inner == list(entry.arrays._fields)
    assert entry.mechanism.name == name
    assert entry.mechanism.reference is not entry.mechanism
    assert entry.mechanism.reference.__module__ == entry.mechanism.__module__


def test_a_twin_pickles_by_name():
    import pickle

    from techbloc.model.relative_gains import growth_changes

    assert pickle.loads(pickle.dumps(growth_changes)) is growth_changes


def test_twin_refuses_an_unknown_kernel():
    with pytest.raises(ValueError, match="known: flows, margins, protection, toggle, veto"):
        kernels.twin("flow", lambda run, args: None)


def test_numba_off_runs_the_reference(monkeypatch):
    from techbloc.model.relative_gains import veto

    calls = []
    entry = kernels.KERNELS["veto"]
    monkeypatch.setattr(entry.mechanism, "reference", lambda *a: calls.append(a) or "numpy")
    monkeypatch.setenv("TECHBLOC_NUMBA", "0")
    assert veto(1, 2) == "numpy" and calls == [(1, 2)]
    assert not kernels.compiled()

"""Partners' will, the US regime and members' payoffs (MODEL.md §4, E10–E12).

The parameters of the alliance's politics: each member's will to align (E10), the
US regime chain and institutional credibility (E11), and the payoff a member weighs when it
decides to stay, veto or leave (E12).

Sources named below:

- Pew Research Center Global Attitudes 2016-2021: swings in confidence in the US president
  and favourable views of the US (expert/pew_views_of_us.csv in the data bundle).
"""

from __future__ import annotations

from techbloc.params.parameter import ASSUMED, Parameter, declare

__all__ = ["ALLIANCE"]

#: Partners' will, the US regime and members' payoffs, in the order of MODEL.md §6.
ALLIANCE: tuple[Parameter, ...] = (
    declare(
        "capacity_gain",
        0.2,
        0.05,
        0.5,
        "1/yr",
        "E10",
        ASSUMED + "speed of US-funded protection capacity building",
        "Share of the capability gap closed per year at full capacity building",
    ),
    declare(
        "will_intercept",
        -2.5,
        -3.75,
        -1.25,
        "logit",
        "E10",
        ASSUMED + "calibrated so that start-year will outside any coalition spans <0.3 to "
        ">0.9 across the 58 countries (MODEL.md §9.4, §9.10.5); +-50%",
        "Intercept a0 of the will logit",
    ),
    declare(
        "will_alignment",
        2.0,
        1.0,
        3.0,
        "logit",
        "E10",
        ASSUMED + "+-50%",
        "Weight of UN alignment with the US in partners' will (a_align)",
    ),
    declare(
        "will_pact",
        1.0,
        0.5,
        1.5,
        "logit",
        "E10",
        ASSUMED + "+-50%",
        "Weight of a US defence pact in partners' will (a_pact)",
    ),
    declare(
        "will_threat",
        2.25,
        1.125,
        3.375,
        "logit",
        "E10",
        ASSUMED + "x1.5 of v2 with the sourced threat input (MODEL.md §9.10.5); +-50%",
        "Weight of threat from China in partners' will (a_threat)",
    ),
    declare(
        "will_dependence",
        3.0,
        1.5,
        4.5,
        "logit",
        "E10",
        ASSUMED + "x1.5 of v2 (MODEL.md §9.10.5); +-50%",
        "Weight of trade dependence on China in partners' will (a_dep)",
    ),
    declare(
        "will_hedging",
        2.0,
        1.0,
        3.0,
        "logit",
        "E10",
        ASSUMED + "+-50%",
        "Weight of hedging motives in partners' will (a_hedge)",
    ),
    declare(
        "will_credibility",
        1.5,
        0.75,
        2.25,
        "logit",
        "E10",
        ASSUMED + "+-50%",
        "Weight of US credibility in partners' will (a_cred)",
    ),
    declare(
        "will_value",
        1.0,
        0.5,
        1.5,
        "logit",
        "E10",
        ASSUMED + "+-50%; enters as a_value tanh(margin), so membership alone adds at most "
        "a_value to the logit (MODEL.md §9.4)",
        "Weight of a member's (bounded) margin from membership in partners' will (a_value)",
    ),
    declare(
        "p_engaged_to_transactional",
        0.35,
        0.2,
        0.6,
        "per election",
        "E11",
        "US presidential elections 1952-2024 (party changed in 11 of 19)",
        "Chance an engaged administration is followed by a transactional one",
    ),
    declare(
        "p_transactional_to_engaged",
        0.5,
        0.2,
        0.6,
        "per election",
        "E11",
        "US presidential elections 1952-2024 (party changed in 11 of 19)",
        "Chance a transactional administration is followed by an engaged one",
    ),
    declare(
        "w_inst",
        0.5,
        0.3,
        0.7,
        "share",
        "E11",
        "Pew Global Attitudes 2016-2021 (president component of confidence)",
        "Weight of institutional credibility (vs the sitting administration) in credibility",
    ),
    declare(
        "initial_institutional_credibility",
        0.8,
        0.6,
        0.9,
        "share",
        "E11",
        ASSUMED + "institutional trust in US commitments at the start year",
        "Institutional credibility Cinst at the start year",
    ),
    declare(
        "cred_decay",
        0.45,
        0.3,
        0.6,
        "per term",
        "E11",
        "calibrated on Pew Global Attitudes (expert/pew_views_of_us.csv): favourable views of "
        "the US fell from 2016 to 2020 by 46% (CAN), 54% (DEU), 33% (GBR), 43% (JPN) of their "
        "level, median 0.45; range spans 0.3-0.6 around that spread",
        "Share of institutional credibility lost per transactional term",
    ),
    declare(
        "cred_recovery_fraction",
        0.55,
        0.2,
        0.9,
        "x cred_decay",
        "E11",
        ASSUMED + "recovery is slower than decay: recovery = decay x U(0.2, 0.9)",
        "Recovery per engaged term as a fraction of the credibility lost per transactional term",
    ),
    declare(
        "credibility_sensitivity",
        0.5,
        0.0,
        1.0,
        "share",
        "E2,E10,E11",
        ASSUMED + "partners scale pool contributions and protection effort with US "
        "credibility (MODEL.md §9.6): effort = 1 - sensitivity (1 - Cred)",
        "How much partners' pool contributions and protection effort fall with US credibility",
    ),
    declare(
        "us_pool_commitment_transactional",
        0.5,
        0.2,
        0.8,
        "share",
        "E2,E11",
        ASSUMED + "a transactional administration funds the pool less",
        "US pool contribution under a transactional regime, relative to engaged",
    ),
    declare(
        "payoff_scale",
        1.0,
        0.5,
        1.5,
        "x",
        "E12",
        ASSUMED + "b in the membership payoff",
        "Weight b of the knowledge gain in a member's payoff",
    ),
    declare(
        "trade_cost",
        1.0,
        0.5,
        2.0,
        "x",
        "E12",
        ASSUMED + "cost of controls scales with dependence on China",
        "Weight of lost China trade in a member's payoff",
    ),
    declare(
        "security_value",
        0.5,
        0.0,
        1.0,
        "x",
        "E12",
        ASSUMED + "value of US security ties to threatened members",
        "Weight of credible US security ties in a member's payoff",
    ),
    declare(
        "friction_scale",
        0.05,
        0.02,
        0.1,
        "own R&D/yr per unit friction",
        "E12",
        ASSUMED + "calibrated (v4, docs/model.md 'Version 4'): the payoff cost of a friction "
        "of 1 (expert/frictions.csv rates pairs 0-1; Cyprus-Turkey 0.9) as a share of the "
        "member's own knowledge production in a year, the unit of the pool term (at most "
        "~0.45) and of the relative-gains term. v3's 1 charged 0.2-0.9 of own R&D a year "
        "for one friction, so Korea, Japan, France and Turkey left real alliances; 0.05 is "
        "the largest round value at which NATO, the EU, Five Eyes and the Wassenaar states "
        "run with no pool (2024-2038, exits on) lose no member in most futures (64-89%); "
        "0.02-0.1 is swept",
        "Payoff cost of pairwise frictions in a member's payoff",
    ),
    declare(
        "rel_gains",
        4.0,
        2.0,
        6.0,
        "x threat",
        "E12",
        ASSUMED + "weight on China's proportional knowledge growth relative to a member's own "
        "gain, times its threat (MODEL.md §9.1, §9.10.2); in margins it is ~1% of the pool "
        "term: it decides acceptance, not cohesion or will",
        "Weight of China's knowledge growth (relative gains) in a country's payoff",
    ),
    declare(
        "veto_tolerance",
        0.0,
        0.0,
        0.02,
        "payoff",
        "E12",
        ASSUMED + "an incumbent vetoes a newcomer whose entry lowers its payoff by more than "
        "this (MODEL.md §9.2); payoffs are fractions of own R&D, so 0.02 is 2% of it",
        "Largest fall in an incumbent's payoff it accepts when an outsider joins",
    ),
    declare(
        "friction_position",
        0.0,
        -1.0,
        1.0,
        "position",
        "E12",
        "expert/frictions.csv ranges: -1 = every pair at its low value, 0 = default, +1 = high",
        "Where every pairwise friction sits within its cited range",
    ),
    declare(
        "hedging_position",
        0.0,
        -1.0,
        1.0,
        "position",
        "E10",
        "expert/hedging.csv ranges: -1 = every country at its low value, 0 = default, +1 = high",
        "Where every country's hedging motive sits within its cited range",
    ),
    declare(
        "exit_probability",
        0.1,
        0.0,
        0.5,
        "per review",
        "E12",
        ASSUMED + "modest and on by default (MODEL.md §9.6): a member with a negative margin "
        "leaves at a 4-year review with this chance; 0 switches exits off",
        "Chance a member with a negative margin leaves at a four-year review",
    ),
)

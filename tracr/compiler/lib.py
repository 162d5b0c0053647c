"""The library of example programs (SPEC section 6), written in tracr's Python RASP.

Each function returns a RASP expression; compile it with
``compiling.compile_rasp_to_model``. The docstring examples run as doctests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tracr.errors import RASPValueError
from tracr.rasp import rasp


def make_length() -> rasp.SOp:
    """The sequence length, at every position: the width of an all-true selector.

    >>> make_length()([4, 5, 6])
    [3, 3, 3]
    """
    everything = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("all_true")
    return rasp.SelectorWidth(everything).named("length")


# The reference's module-level length SOp (a SelectorWidth, compiled like any other).
length = make_length()


def make_reverse(sop: rasp.SOp = rasp.tokens) -> rasp.SOp:
    """The sequence reversed: position i reads position length - i - 1.

    >>> make_reverse(rasp.tokens)([1, 2, 3])
    [3, 2, 1]
    """
    opp_index = (make_length() - rasp.indices).named("opp_index")
    opp_index = (opp_index - 1).named("opp_index_minus_1")
    flip = rasp.Select(rasp.indices, opp_index, rasp.Comparison.EQ).named("flip")
    return rasp.Aggregate(flip, sop).named("reverse")


def make_hist() -> rasp.SOp:
    """How often each position's token occurs in the whole sequence.

    >>> make_hist()(["a", "b", "a", "c"])
    [2, 1, 2, 1]
    """
    same_token = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same_token")
    return rasp.SelectorWidth(same_token).named("hist")


def make_sort_unique(vals: rasp.SOp, keys: rasp.SOp) -> rasp.SOp:
    """``vals`` ordered by ``keys``, which must be unique.

    Each key's target position is the number of smaller keys; position i then reads the
    value whose target is i.

    >>> make_sort_unique(rasp.tokens, rasp.tokens)([3, 1, 2])
    [1, 2, 3]
    """
    smaller = rasp.Select(keys, keys, rasp.Comparison.LT).named("smaller")
    target_pos = rasp.SelectorWidth(smaller).named("target_pos")
    sel_new = rasp.Select(target_pos, rasp.indices, rasp.Comparison.EQ).named("sel_new")
    return rasp.Aggregate(sel_new, vals).named("sort")


def make_sort(vals: rasp.SOp, keys: rasp.SOp, *, max_seq_len: int, min_key: float) -> rasp.SOp:
    """``vals`` ordered by ``keys``, duplicates allowed: ties keep their input order.

    Keys become unique by adding ``min_key * i / max_seq_len`` at position i, which is smaller
    than the gap ``min_key`` between distinct keys.

    >>> make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1)([2, 1, 2, 1])
    [1, 1, 2, 2]
    """
    unique_keys = rasp.SequenceMap(
        lambda k, i: k + min_key * i / max_seq_len, keys, rasp.indices
    ).named("unique_keys")
    return make_sort_unique(vals, unique_keys)


def make_sort_freq(max_seq_len: int) -> rasp.SOp:
    """Tokens ordered by descending frequency (ties by first position).

    >>> make_sort_freq(max_seq_len=5)([1, 2, 2, 3, 2])
    [2, 2, 2, 1, 3]
    """
    negated_hist = (-1 * make_hist()).named("negated_hist")
    return make_sort(rasp.tokens, negated_hist, max_seq_len=max_seq_len, min_key=1).named(
        "sort_freq"
    )


def make_frac_prevs(bools: rasp.SOp) -> rasp.SOp:
    """The fraction of positions <= i where ``bools`` is true (a numerical SOp).

    >>> make_frac_prevs(rasp.tokens == "x")(["x", "y", "x", "y"])
    [1.0, 0.5, 0.6666666666666666, 0.5]
    """
    bools = rasp.numerical(bools)
    prevs = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prevs")
    return rasp.numerical(rasp.Aggregate(prevs, bools, default=0)).named("frac_prevs")


def make_pair_balance(sop: rasp.SOp, open_token, close_token) -> rasp.SOp:
    """Fraction of opening minus fraction of closing tokens so far (numerical).

    >>> make_pair_balance(rasp.tokens, "(", ")")(["(", "(", ")", ")"])
    [1.0, 1.0, 0.3333333333333333, 0.0]
    """
    opens = rasp.numerical(sop == open_token).named("is_open")
    closes = rasp.numerical(sop == close_token).named("is_close")
    frac_opens = make_frac_prevs(opens).named("frac_opens")
    frac_closes = make_frac_prevs(closes).named("frac_closes")
    balance = rasp.LinearSequenceMap(frac_opens, frac_closes, 1, -1)
    return rasp.numerical(balance).named("pair_balance")


def make_shuffle_dyck(pairs: Sequence[str]) -> rasp.SOp:
    """1 at every position if the whole input is a shuffle of balanced bracket languages.

    ``pairs`` lists bracket types as two-character strings, e.g. ``["()", "{}"]``. The input
    is accepted when no prefix closes more brackets of a type than it opened, and every type
    ends balanced; the answer (1 or 0) is given at every position.

    >>> make_shuffle_dyck(["()"])(["(", ")", "(", ")"])
    [1, 1, 1, 1]
    >>> make_shuffle_dyck(["()"])([")", "("])
    [0, 0]
    """
    if not pairs or any(len(p) != 2 for p in pairs):
        raise RASPValueError(f"pairs must be two-character strings like '()', got {pairs!r}")
    balances = [make_pair_balance(rasp.tokens, p[0], p[1]).named(f"balance_{p}") for p in pairs]
    any_negative = balances[0] < 0
    for balance in balances[1:]:
        any_negative = any_negative | (balance < 0)
    any_negative = rasp.numerical(rasp.Map(lambda x: 1 if x else 0, any_negative))
    any_negative = any_negative.named("any_negative")
    everywhere = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everywhere")
    has_neg = rasp.numerical(rasp.Aggregate(everywhere, any_negative, default=0)).named("has_neg")
    all_zero = balances[0] == 0
    for balance in balances[1:]:
        all_zero = all_zero & (balance == 0)
    all_zero = all_zero.named("all_zero")
    last = rasp.Select(rasp.indices, make_length() - 1, rasp.Comparison.EQ).named("last")
    last_zero = rasp.Aggregate(last, all_zero).named("last_zero")
    no_neg = (has_neg == 0).named("no_neg")
    ok = rasp.SequenceMap(lambda z, n: 1 if (z and n) else 0, last_zero, no_neg)
    return ok.named("shuffle_dyck")


def make_shuffle_dyck2() -> rasp.SOp:
    """``make_shuffle_dyck(["()", "{}"])``.

    >>> make_shuffle_dyck2()(["(", "{", ")", "}"])
    [1, 1, 1, 1]
    """
    return make_shuffle_dyck(["()", "{}"]).named("shuffle_dyck2")


def shift_by(offset: int, sop: rasp.SOp) -> rasp.SOp:
    """``sop`` shifted right by ``offset`` positions; the first ``offset`` are None.

    >>> shift_by(1, rasp.tokens)([1, 2, 3])
    [None, 1, 2]
    """
    select_off_by_offset = rasp.Select(
        rasp.indices, rasp.indices, lambda k, q: q == k + offset
    ).named(f"select_off_by_{offset}")
    return rasp.Aggregate(select_off_by_offset, sop, default=None).named(f"shift_by({offset})")


def detect_pattern(sop: rasp.SOp, pattern: Sequence) -> rasp.SOp:
    """True at the last element of each occurrence of ``pattern`` (None before it fits).

    >>> detect_pattern(rasp.tokens, "ab")(list("abab"))
    [None, True, False, True]
    """
    if len(pattern) < 1:
        raise RASPValueError("detect_pattern needs a non-empty pattern")
    n = len(pattern)
    detectors = []
    for i, element in enumerate(pattern):
        detector = (sop == element).named(f"is_{element}_at_{i}")
        shift = n - 1 - i
        detectors.append(shift_by(shift, detector) if shift else detector)
    found = detectors[0]
    for detector in detectors[1:]:
        found = found & detector
    return found.named(f"detect_pattern({''.join(map(str, pattern))})")


def make_count_less_freq(n: int) -> rasp.SOp:
    """At every position, how many tokens occur at most ``n`` times.

    >>> make_count_less_freq(1)(["a", "b", "a", "c"])
    [2, 2, 2, 2]
    """
    hist = make_hist()
    select_less = rasp.Select(hist, hist, lambda k, q: k <= n).named("select_less")
    return rasp.SelectorWidth(select_less).named("count_less_freq")


def make_count(sop: rasp.SOp, token) -> rasp.SOp:
    """How often ``token`` occurs in ``sop``, at every position.

    >>> make_count(rasp.tokens, "a")(["a", "b", "a"])
    [2, 2, 2]
    """
    is_token = rasp.Select(sop, sop, lambda k, q: k == token).named(f"is_{token}")
    return rasp.SelectorWidth(is_token).named(f"count_{token}")


def make_nary_sequencemap(f: Callable, *sops: rasp.SOp) -> rasp.SOp:
    """``f`` applied elementwise to several SOps (tuples built pairwise, then one Map).

    >>> make_nary_sequencemap(lambda a, b, c: a + b * c, rasp.tokens, rasp.indices,
    ...                       rasp.tokens)([1, 2, 3])
    [1, 4, 9]
    """
    if not sops:
        raise RASPValueError("make_nary_sequencemap needs at least one SOp")
    if len(sops) == 1:
        return rasp.Map(f, sops[0])
    values = rasp.SequenceMap(lambda x, y: (x, y), sops[0], sops[1])
    for sop in sops[2:]:
        values = rasp.SequenceMap(lambda x, y: (*x, y), values, sop)
    return rasp.Map(lambda args: f(*args), values)

"""Programs of the RASP paper (Weiss et al. 2021) that need composite selectors.

The reference compiler refused these: each combines selectors with ``&``, ``|`` or ``~``.
tracr compiles them exactly (see ``tracr.compiler.selectors``).
"""

from __future__ import annotations

from tracr.rasp import rasp

Cmp = rasp.Comparison


def make_sort_with_duplicates(vals: rasp.SOp, keys: rasp.SOp) -> rasp.SOp:
    """``vals`` ordered by ``keys``; equal keys keep their input order (the paper's sort).

    A key is "smaller" when its value is smaller, or equal with a smaller index: a composite
    selector, so no arithmetic on keys is needed and keys can be any ordered values.

    >>> make_sort_with_duplicates(rasp.tokens, rasp.tokens)([3, 1, 3, 2])
    [1, 2, 3, 3]
    """
    smaller = rasp.Select(keys, keys, Cmp.LT) | (
        rasp.Select(keys, keys, Cmp.EQ) & rasp.Select(rasp.indices, rasp.indices, Cmp.LT)
    )
    target_pos = rasp.SelectorWidth(smaller.named("smaller")).named("target_pos")
    sel_new = rasp.Select(target_pos, rasp.indices, Cmp.EQ).named("sel_new")
    return rasp.Aggregate(sel_new, vals).named("sort")


def make_most_freq_sort() -> rasp.SOp:
    """Tokens ordered by descending frequency, ties by position (composite-selector sort).

    >>> make_most_freq_sort()(["b", "a", "a", "c", "a", "b"])
    ['a', 'a', 'a', 'b', 'b', 'c']
    """
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, Cmp.EQ)).named("hist")
    return make_sort_with_duplicates(rasp.tokens, (-hist).named("neg_hist")).named("most_freq")


def _count_so_far(flag: rasp.SOp, name: str) -> rasp.SOp:
    """How many positions <= i have ``flag`` true: the width of a composite selector."""
    upto = rasp.Select(rasp.indices, rasp.indices, Cmp.LEQ)
    flagged = rasp.Select(flag, flag, lambda k, q: bool(k))
    return rasp.SelectorWidth((upto & flagged).named(f"{name}_sel")).named(name)


def make_dyck1(open_token: str = "(", close_token: str = ")") -> rasp.SOp:
    """1 where the prefix ending here is a balanced bracket word, else 0 (Dyck-1).

    >>> make_dyck1()(list("(()))("))
    [0, 0, 0, 1, 0, 0]
    """
    opens = _count_so_far((rasp.tokens == open_token).named("is_open"), "n_open")
    closes = _count_so_far((rasp.tokens == close_token).named("is_close"), "n_close")
    depth = (opens - closes).named("depth")
    went_negative = _count_so_far((depth < 0).named("negative"), "n_negative")
    return rasp.SequenceMap(
        lambda d, neg: 1 if d == 0 and neg == 0 else 0, depth, went_negative
    ).named("dyck1")


def make_dyck2(pairs: tuple[str, str] = ("()", "{}")) -> rasp.SOp:
    """1 where the prefix ending here is a balanced word over two bracket types (Dyck-2).

    Every closing bracket is matched with the latest unmatched opening bracket: at nesting
    level l, the c-th closing bracket matches the c-th opening bracket of level l. The prefix
    is balanced when its depth is 0, it never went negative and no closing bracket met an
    opening bracket of the other type.

    >>> make_dyck2()(list("({})({)}"))
    [0, 0, 0, 1, 0, 0, 0, 0]
    """
    opening = {p[0]: p for p in pairs}
    closing = {p[1]: p for p in pairs}
    is_open = rasp.Map(lambda t: t in opening, rasp.tokens).named("is_open")
    is_close = rasp.Map(lambda t: t in closing, rasp.tokens).named("is_close")
    depth = (_count_so_far(is_open, "n_open") - _count_so_far(is_close, "n_close"))
    depth = depth.named("depth")
    # An opening bracket sits at the level it creates; a closing one at the level it ends.
    level = rasp.SequenceMap(lambda d, c: d + 1 if c else d, depth, is_close).named("level")
    same_level_before = (
        rasp.Select(rasp.indices, rasp.indices, Cmp.LT)
        & rasp.Select(level, level, Cmp.EQ)
        & rasp.Select(is_open, is_open, lambda k, q: bool(k))
    )
    opens_before = rasp.SelectorWidth(same_level_before.named("opens_before_sel"))
    opens_before = opens_before.named("opens_before")
    # Ordinal of an opening bracket among those of its level (1-based), or of a closing
    # bracket among the opening ones before it: equal ordinals match.
    ordinal = rasp.SequenceMap(lambda n, o: n + 1 if o else n, opens_before, is_open)
    ordinal = ordinal.named("ordinal")
    match = (
        rasp.Select(level, level, Cmp.EQ)
        & rasp.Select(ordinal, ordinal, Cmp.EQ)
        & rasp.Select(is_open, is_open, lambda k, q: bool(k))
    ).named("match")
    kind = rasp.Map(lambda t: opening.get(t) or closing.get(t) or "", rasp.tokens)
    kind = kind.named("kind")
    matched_kind = rasp.Aggregate(match, kind).named("matched_kind")
    mismatch = rasp.SequenceMap(lambda k, m: m is not None and k != m, kind, matched_kind)
    mismatch = mismatch.named("mismatch")
    n_bad = _count_so_far(mismatch, "n_mismatch")
    went_negative = _count_so_far((depth < 0).named("negative"), "n_negative")
    ok = rasp.SequenceMap(lambda d, n: d == 0 and n == 0, depth, went_negative).named("ok")
    return rasp.SequenceMap(lambda o, b: 1 if o and b == 0 else 0, ok, n_bad).named("dyck2")

"""Story grouping's MinHash and LSH: estimates, recall, removal, and parity with datasketch 2.0."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.relevance.minhash import LSHIndex, MinHasher, optimal_bands

WORDS = [f"k:{n:05d}" for n in range(2_000)]


def _pair(shared: int, own: int, rng: random.Random) -> tuple[set[str], set[str]]:
    picked = rng.sample(WORDS, shared + 2 * own)
    common = picked[:shared]
    return set(common + picked[shared : shared + own]), set(common + picked[shared + own :])


def test_signatures_agree_in_proportion_to_jaccard_similarity() -> None:
    hasher = MinHasher(256)
    rng = random.Random(5)
    for shared, own in ((30, 5), (20, 20), (5, 30)):
        a, b = _pair(shared, own, rng)
        true = len(a & b) / len(a | b)
        estimate = float(np.mean(hasher.signature(a) == hasher.signature(b)))
        assert abs(estimate - true) < 0.1, (shared, own, true, estimate)


def test_the_same_tokens_in_any_order_sign_alike() -> None:
    hasher = MinHasher(64)
    tokens = ["c:russia", "c:tajikistan", "k:dshnb", "n:2026"]
    assert (hasher.signature(tokens) == hasher.signature(reversed(tokens))).all()
    assert (hasher.signature(tokens) != hasher.signature(tokens[:3])).any()


def test_index_finds_near_duplicates_not_strangers_and_forgets_removed_keys() -> None:
    hasher, index = MinHasher(64), LSHIndex(0.3, 64)
    rng = random.Random(7)
    near, other = _pair(18, 2, rng)  # Jaccard 0.82
    stranger = set(rng.sample(WORDS, 20)) - near
    index.insert("near", hasher.signature(near))
    index.insert("stranger", hasher.signature(stranger))
    assert index.query(hasher.signature(other)) == {"near"}
    index.remove("near")
    assert index.query(hasher.signature(other)) == set()
    assert len(index) == 1
    with pytest.raises(ValueError, match="already in the index"):
        index.insert("stranger", hasher.signature(stranger))


@pytest.mark.parametrize(
    ("threshold", "expected"),
    # What datasketch 2.0's MinHashLSH chose (by SciPy's quad) for these thresholds, 64 hashes.
    [
        (0.05, (32, 1)),
        (0.12, (32, 2)),
        (0.2, (28, 2)),
        (0.3, (21, 3)),
        (0.5, (14, 4)),
        (0.8, (5, 11)),
    ],
)
def test_bands_are_those_datasketch_chose(threshold: float, expected: tuple[int, int]) -> None:
    assert optimal_bands(threshold, 64) == expected


def test_signature_values_are_datasketch_affine32_ones() -> None:
    """The first values of datasketch 2.0's ``MinHash(num_perm=64)`` over these tokens."""
    signature = MinHasher(64).signature(["c:russia", "c:tajikistan", "k:dshnb", "n:2026"])
    assert signature[:6].tolist() == [
        1755654374,
        572057604,
        787139094,
        279444895,
        1436160020,
        166590760,
    ]

"""Exact tests of the pure parts: fusion, the verifier, claim splitting, settings."""

from __future__ import annotations

import pytest

from assistant import ConfigError, Settings
from assistant.fusion import drop_near_duplicates, reciprocal_rank_fusion
from assistant.verify import check, split_claims, verify

SOURCE = "Prior to joining Apple in 2014, he held the position of vice president at Amazon’s A9 Search Technology group."
OTHER = "Apple has utilized AWS for over a decade to power services including Siri, Apple Maps, and Apple Music."


def test_rrf_orders_by_summed_reciprocal_ranks():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=1)
    # b: 1/3 + 1/2, c: 1/4 + 1/3, a: 1/2, d: 1/4; divided by the best possible, 2/2
    assert [x for x, _ in fused] == ["b", "c", "a", "d"]
    assert fused[0][1] == pytest.approx(1 / 3 + 1 / 2)
    with pytest.raises(ValueError, match="k must be at least 0. Currently, k is -1"):
        reciprocal_rank_fusion([["a"]], k=-1)


def test_near_duplicates_are_dropped_in_order():
    kept = drop_near_duplicates([1, 2, 11, 3], lambda a, b: a % 10 == b % 10)
    assert kept == [1, 2, 3]


@pytest.mark.parametrize(
    "sentence",
    [
        "He joined Apple in 2014.",
        "Before Apple, he was vice president at Amazon’s A9 Search Technology group.",
    ],
)
def test_supported_sentences_pass(sentence):
    assert check(sentence, SOURCE) is None


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("He joined Apple in 2022.", "number 2022"),  # wrong date
        ("He joined Apple in 2014 with 300 engineers.", "number 300"),  # wrong number
        ("He was vice president at Google’s A9 Search Technology group.", "google"),  # wrong name
        ("He never joined Apple in 2014.", "negates"),
        ("He said “we love search engines” in 2014.", "quoted phrase"),
        ("Apple", "fragment"),
        ("The capital of Australia is Canberra, he said in 2014.", "australia"),
    ],
)
def test_unsupported_sentences_fail_with_a_reason(sentence, reason):
    result = check(sentence, SOURCE)
    assert result is not None and reason in result.lower()


def test_citation_to_the_wrong_passage_is_not_accepted_as_cited():
    [verdict] = verify("He joined Apple in 2014 [2].", [OTHER, SOURCE])
    assert verdict.supported_by == (2,) and not verdict.reasons
    [wrong] = verify("He joined Apple in 2014 [1].", [OTHER, SOURCE])
    assert "[1]" in wrong.reasons[0]  # the cited passage does not support it
    assert wrong.supported_by == (2,)  # re-cited to the passage that does
    [none] = verify("He joined Apple in 2019 [1].", [OTHER, SOURCE])
    assert not none.supported


def test_claims_are_split_with_their_markers():
    assert split_claims("[1] Apple tests Trainium2. [2] Dupin said so.") == [
        ("Apple tests Trainium2.", (1,)),
        ("Dupin said so.", (2,)),
    ]
    assert split_claims("Apple tests Trainium2 [1]. Dupin said so. [2, 3]") == [
        ("Apple tests Trainium2.", (1,)),
        ("Dupin said so.", (2, 3)),
    ]
    assert split_claims("The evidence shows that Apple uses Graviton [1].") == [("Apple uses Graviton.", (1,))]


def test_answer_policy_is_part_of_settings(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[assistant]\ntop_k = 3\n[assistant.answer_policy]\nmin_score = 0.4\nlight_verbs = ['see']\n")
    s = Settings.load(config)
    assert s.answer_policy.min_score == 0.4 and s.answer_policy.light_verbs == frozenset({"see"})
    assert s.answer_policy.dense_weight == 0.6  # the rest keeps its defaults
    config.write_text("[assistant.answer_policy]\nmin_scor = 0.4\n")
    with pytest.raises(ConfigError, match="Unknown answer_policy field"):
        Settings.load(config)


def test_settings_validate_and_read_the_environment(monkeypatch, tmp_path):
    with pytest.raises(ConfigError, match="top_k must be at least 1. Currently, top_k is 0"):
        Settings(top_k=0)
    with pytest.raises(ConfigError, match="chunk_overlap"):
        Settings(chunk_tokens=50, chunk_overlap=50)
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    config = tmp_path / "c.toml"
    config.write_text('[assistant]\ntop_k = 3\nchunk_tokens = 100\n')
    s = Settings.load(config)
    assert s.top_k == 7 and s.chunk_tokens == 100
    with pytest.raises(ConfigError, match="Unknown setting"):
        Settings.load(None, colour="blue")
    with pytest.raises(ConfigError, match="whole number"):
        Settings.load(None, top_k="many")

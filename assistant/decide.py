"""Stage 4, decide: answer or refuse, before the model is asked anything.

The assistant refuses when the message is not a question about the articles,
when the question names something no retrieved passage mentions, or when no
evidence sentence holds the question's focus and an answer of the asked kind.
A refusal never calls the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .evidence import Evidence, distinct, unknown_entities
from .policy import AnswerPolicy
from .question import Question
from .retrieval import Passage


@dataclass(frozen=True)
class Decision:
    answer: bool
    evidence: list[Evidence] = field(default_factory=list)
    """The evidence to answer from, best first, near-repeats removed."""
    reason: str = ""
    """Why the question is refused."""


def decide(question: Question, passages: list[Passage], evidence: list[Evidence], policy: AnswerPolicy) -> Decision:
    if question.is_request:
        return Decision(False, reason="it asks for something other than facts from the articles")
    unknown = unknown_entities(question, passages)
    if unknown:
        return Decision(False, reason=f"the articles do not mention {', '.join(unknown)}")
    # Across languages few words are shared: meaning alone may reach the bar
    # (see AnswerPolicy.cross_language_min_dense).
    # A sentence that names a person in full, for "who", is no chance match
    # of words ("a déclaré Nadia Bensalem, secrétaire générale du SWIS" for
    # "Who is its leader?"), however far a quote takes its meaning.
    good = [e for e in evidence if e.answers
            and (e.dense >= policy.min_dense or e.specific and question.kind == "person")
            and (e.score >= policy.min_score or not e.same_language and e.dense >= policy.cross_language_min_dense)]
    if not good:
        near = next((e for e in evidence if not e.answers), None)
        return Decision(False, reason=f"no sentence answers it ({near.why_not})" if near else "nothing was found")
    return Decision(True, evidence=distinct(good)[: max(policy.prompt_evidence, policy.list_evidence)])

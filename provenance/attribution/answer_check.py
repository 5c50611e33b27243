"""Did the behaviour fire? A prompt-only test case explains the model's own greedy answer; when that answer is
empty or a refusal, the behaviour did not show on the prompt, and a ranking would explain noise (or the refusal).

`answer_cases` generates the missing answers and refuses such cases with one message naming each of them and
what to do instead. Responses the caller gives are explained as given: a caller who wants to explain a refusal
passes it as the response. Refusals are recognised by `provenance.validation.is_refusal`, the project's one
refusal detector (a lexical list of refusal openings).
"""
from __future__ import annotations

from provenance.attribution.cases import TestCase, _case_label, as_cases, greedy_responses
from provenance.errors import CaptureInputError
from provenance.validation.judges import is_refusal

__all__ = ["BehaviourNotShownError", "answer_cases", "check_answers"]

SHOWN = 5   # cases named in the message at most


class BehaviourNotShownError(CaptureInputError):
    """A prompt-only test case's greedy answer is empty or a refusal: the behaviour did not fire."""


def check_answers(cases: list[TestCase], generated: list[int]) -> None:
    """Refuse the cases at ``generated`` (positions whose response the model generated) whose answer is empty or
    a refusal.

    Raises:
        BehaviourNotShownError: Names each such case (its query name, prompt start, answer), and what to do.
    """
    bad = []
    for i in generated:
        answer = cases[i].response or ""
        if not answer.strip():
            bad.append(f"{_case_label(i, cases[i])}: empty answer")
        elif is_refusal(answer):
            shown = " ".join(answer.split())
            bad.append(f"{_case_label(i, cases[i])}: refuses ({shown[:60] + ('...' if len(shown) > 60 else '')!r})")
    if bad:
        more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        raise BehaviourNotShownError(
            f"the behaviour did not fire on {len(bad)} of {len(generated)} prompt-only test case(s): "
            f"{'; '.join(bad[:SHOWN])}{more}. A ranking for an empty or refused answer explains noise, not the "
            "behaviour: query prompts on which the model shows it, or give the answer to explain as the response "
            "(--response, or 'response' in --cases; a refusal given as the response is explained as asked)")


def answer_cases(model, tokenizer, cases, *, max_new_tokens: int = 64, chat: bool = True,
                 system: str | None = None) -> list[TestCase]:
    """``cases`` with every missing response filled by the model's greedy answer (`greedy_responses`), checked
    by `check_answers`.

    Raises:
        BehaviourNotShownError: A generated answer is empty or a refusal.
    """
    cases = list(as_cases(cases))
    todo = [i for i, c in enumerate(cases) if c.response is None]
    if todo:
        answers = greedy_responses(model, tokenizer, [cases[i].prompt for i in todo], max_new_tokens=max_new_tokens,
                                   chat=chat, system=system)
        for i, a in zip(todo, answers):
            cases[i] = TestCase(cases[i].prompt, a, cases[i].name)
        check_answers(cases, todo)
    return cases

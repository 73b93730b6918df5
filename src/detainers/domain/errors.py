"""The domain's exceptions: one base, each message showing the values at fault in [brackets]."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error raised by the domain model."""


class VocabularyError(DomainError, ValueError):
    """A value outside a controlled vocabulary."""

    def __init__(self, *, field: str, value: object, accepted: str) -> None:
        self.field = field
        self.value = value
        self.accepted = accepted
        super().__init__(f"{field}: [{value}] is not one of [{accepted}]")


class InvalidValue(DomainError, ValueError):
    """A field whose value breaks a rule of the model (a naive datetime, an empty name...)."""

    def __init__(self, *, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field}: [{value}] {problem}")


class IllegalTransition(DomainError):
    """A lifecycle action that the detainer's current state does not allow."""

    def __init__(self, *, detainer_id: str, state: str, action: str, allowed: str) -> None:
        self.detainer_id = detainer_id
        self.state = state
        self.action = action
        super().__init__(
            f"detainer [{detainer_id}]: cannot [{action}] from state [{state}]"
            f" (allowed from: [{allowed}])"
        )


class TerminalState(IllegalTransition):
    """Any action on a detainer whose lifecycle has ended."""


class DecisionDoesNotPermit(DomainError):
    """An act (a hold, a transfer, a notice) that the recorded decision does not allow."""

    def __init__(self, *, detainer_id: str, action: str, effect: str, why: str) -> None:
        self.detainer_id = detainer_id
        self.action = action
        self.effect = effect
        super().__init__(
            f"detainer [{detainer_id}]: [{action}] is [{effect}] under the recorded decision: {why}"
        )


class ChoiceOutsideBounds(DomainError):
    """A staff member's recorded choice that the law, as evaluated, does not allow."""

    def __init__(self, *, choice: str, action: str, effect: str) -> None:
        self.choice = choice
        self.action = action
        self.effect = effect
        super().__init__(
            f"choice [{choice}] needs [{action}], which the decision says is [{effect}]"
        )


class OverrideNeedsReason(DomainError):
    """Declining an action the law requires is allowed only with a written reason."""

    def __init__(self, *, choice: str, action: str) -> None:
        self.choice = choice
        self.action = action
        super().__init__(
            f"choice [{choice}] declines [{action}], which the decision says is [required];"
            " an override reason is needed"
        )

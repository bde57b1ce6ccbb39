"""The built-in journal prompt library. Entries refer to a prompt by key ("builtin:<slug>"),
so a prompt's wording can be improved without touching stored entries; a key that is no longer
in the library simply shows no prompt."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "builtin:"


@dataclass(frozen=True, slots=True)
class BuiltinPrompt:
    slug: str
    text: str

    @property
    def key(self) -> str:
        return PREFIX + self.slug


LIBRARY: tuple[BuiltinPrompt, ...] = (
    BuiltinPrompt("went-well", "What went well today, and what part did you play in it?"),
    BuiltinPrompt("energy", "When did you feel most energised today? When most drained?"),
    BuiltinPrompt("avoiding", "What are you avoiding right now, and what is it costing you?"),
    BuiltinPrompt("proud", "What is one thing you did this week that you are proud of?"),
    BuiltinPrompt("learned", "What did you learn about yourself this week?"),
    BuiltinPrompt("worry", "What is on your mind? Write it down, then ask what you can control."),
    BuiltinPrompt("values", "Where did your actions match your values today? Where not?"),
    BuiltinPrompt("next-step", "What is the smallest next step toward the goal that matters most?"),
    BuiltinPrompt("gratitude", "Name three things you are grateful for and why each matters."),
    BuiltinPrompt("conversation", "Which conversation is on your mind? What do you want from it?"),
    BuiltinPrompt("friend", "What advice would you give a friend in your situation?"),
    BuiltinPrompt("stop-start", "What will you stop, start and continue doing next week?"),
    BuiltinPrompt("boundaries", "Where did you say yes when you meant no? What would you change?"),
    BuiltinPrompt(
        "future-self", "Picture yourself a year from now. What would they thank you for?"
    ),
    BuiltinPrompt("feedback", "What feedback did you get recently, and what is true in it?"),
)

BY_KEY: dict[str, BuiltinPrompt] = {p.key: p for p in LIBRARY}


def builtin(key: str) -> BuiltinPrompt | None:
    """The library prompt with this key ("builtin:<slug>"), or None."""
    return BY_KEY.get(key)

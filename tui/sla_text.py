"""The explanation of a ticket's service levels (`wording.sla_text`) as text for a modal, its
leads in bold; every part from the data appended as plain text (never read as markup)."""

from __future__ import annotations

from rich.text import Text

from access.sla_views import SlaExplanation
from wording.sla_text import explanation_lines


def explanation_text(explained: SlaExplanation) -> Text:
    text = Text()
    for lead, rest in explanation_lines(explained):
        text.append(lead, style="bold")
        text.append(f"{rest}\n")
    return text

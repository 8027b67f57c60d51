"""The printable leadership summary: the team's sections, the trend's figures and what leaders
might consider now, as one PDF.

Its figures are the "How it is going" page's own (`bot.console.trend`, the weeks `insights` makes
of the polls' releases), put on paper, never worked out again; its chart is `report`'s. So the
paper shows nothing the page and `report` do not (docs/PRIVACY.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.console.trend import WEEKS, Trend, trend
from bot.features.insights import WeekRow, nothing_shown_line, shown_weeks, to_png
from content.models import Pack

FONT = "DejaVu"
CHART_TITLE = "Check-ins by week"
FIGURES_FOR_FACILITATORS = (
    "The team's check-in figures are for its facilitators, as in chat's `report`."
)


@dataclass(frozen=True)
class SectionState:
    """One section of the pack as the summary lists it."""

    number: int
    title: str
    state: str  # "done", "now" or "to come"


@dataclass(frozen=True)
class Figures:
    """The trend page's figures and the chart `report` draws of the same weeks."""

    trend: Trend
    answered: bool
    chart: bytes | None
    nothing_shown: str
    group_size: int


@dataclass(frozen=True)
class Summary:
    """What the PDF says; `figures` is None for a reader who may not see them."""

    pack_title: str
    made_on: date
    sections: tuple[SectionState, ...]
    current: SectionState
    considerations: tuple[str, ...]
    figures: Figures | None


def figures_of(rows: list[WeekRow], group_size: int) -> Figures:
    """The page's trend of `rows`, with `report`'s chart of the same weeks when any is shown."""
    recent = rows[-WEEKS:]
    chart = to_png(recent, CHART_TITLE) if shown_weeks(recent) else None
    return Figures(
        trend=trend(rows, group_size),
        answered=bool(rows),
        chart=chart,
        nothing_shown=nothing_shown_line(group_size),
        group_size=group_size,
    )


def summary_of(pack: Pack, current_section: int, made_on: date, figures: Figures | None) -> Summary:
    """The summary of a team on `current_section` of `pack`."""
    section = pack.section(current_section) or pack.sections[0]
    states = tuple(
        SectionState(
            each.number,
            each.title,
            "done" if each.number < section.number else "now" if each is section else "to come",
        )
        for each in pack.sections
    )
    return Summary(
        pack_title=pack.info.title,
        made_on=made_on,
        sections=states,
        current=next(state for state in states if state.state == "now"),
        considerations=tuple(section.leadership_considerations),
        figures=figures,
    )


def filename(summary: Summary) -> str:
    """A name that says what the file is and when it was made."""
    return f"leadership-summary-{summary.made_on.isoformat()}.pdf"


def _fonts() -> Path:
    # matplotlib ships DejaVu Sans: a Unicode font for packs' curly quotes and dashes, with no
    # system package to install.
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Paper:
    """An A4 page with the few kinds of line the summary needs."""

    def __init__(self, title: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(title)
        self.pdf.set_creator("crbot")
        self.pdf.add_font(FONT, "", str(_fonts() / "DejaVuSans.ttf"))
        self.pdf.add_font(FONT, "B", str(_fonts() / "DejaVuSans-Bold.ttf"))
        self.pdf.set_margins(18, 18, 18)
        self.pdf.add_page()

    def heading(self, text: str, size: int = 14) -> None:
        self.pdf.set_font(FONT, "B", size)
        self.pdf.ln(3)
        self.pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def words(self, text: str, size: int = 10) -> None:
        self.pdf.set_font(FONT, "", size)
        self.pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def bullet(self, text: str) -> None:
        self.words(f"• {text}")

    def image(self, png: bytes) -> None:
        self.pdf.image(BytesIO(png), w=self.pdf.epw, alt_text=CHART_TITLE)

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def summary_pdf(summary: Summary) -> bytes:
    """The summary as a PDF (CPU work: callers on the event loop run it in a thread)."""
    paper = _Paper(f"{summary.pack_title}: leadership summary")
    paper.heading(f"{summary.pack_title}: leadership summary", size=18)
    paper.words(f"Made on {summary.made_on:%d %B %Y}.")
    paper.heading("Where the team is")
    paper.words(f"Now: Section {summary.current.number}, {summary.current.title}.")
    for section in summary.sections:
        paper.bullet(f"{section.number}. {section.title} ({section.state})")
    _figures(paper, summary.figures)
    paper.heading(f"Leadership considerations for Section {summary.current.number}")
    if not summary.considerations:
        paper.words("The content pack has none for this section yet.")
    for consideration in summary.considerations:
        paper.bullet(consideration)
    return paper.bytes()


def _figures(paper: _Paper, figures: Figures | None) -> None:
    paper.heading("How it is going")
    if figures is None:
        paper.words(FIGURES_FOR_FACILITATORS)
        return
    paper.words("The team's weekly check-ins (fist to five), across every channel.")
    if not figures.answered:
        paper.words("No check-ins have been answered yet.")
    elif not figures.trend.bars:
        paper.words(figures.nothing_shown)
    if figures.chart is not None:
        paper.image(figures.chart)
        # The chart's words beside it, for a reader who cannot see it.
        paper.words(figures.trend.described, size=9)
    if figures.trend.lines:
        paper.heading("Week by week", size=12)
        for line in figures.trend.lines:
            paper.bullet(line)
    paper.words(
        f"Figures change only after {figures.group_size} people answer, and carry a little "
        "random noise, so no figure can be worked back to one person.",
        size=9,
    )

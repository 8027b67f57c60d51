"""The schema of a content pack: what the bot may say, validated before it is ever said.

Text limits come from the chat platforms (docs in PLATFORM.md): anything that loads renders on
Slack (Block Kit), Teams (Adaptive Cards) and the shell without being cut.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic_core import core_schema

# Slack's header block caps at 150 characters; titles become headers.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=150)]
# Button labels and select options: Slack caps button text at 75 characters.
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=75)]
# One section block of text: Slack caps at 3,000 characters.
BlockText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=3000)]
# Urls live in buttons and links; Slack caps a button url at 3,000 characters.
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=3000)]

# How the bot marks text the project wrote beside the toolkit's own, the same in every pack and on
# every platform; items carry `adapted: true` and renderers append this.
ADAPTED_MARK = "(our adaptation)"
# An item's text leaves room for the mark within one block of text.
ItemText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=3000 - len(ADAPTED_MARK) - 1),
]

Sector = Literal["Mind", "Spirit", "Strength", "Heart"]
Audience = Literal["healthcare", "schools"]


class Strict(BaseModel):
    """Base for content models: unknown keys are typos, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Link(Strict):
    """A document or page the toolkit publishes, with where it was found."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Title
    url: Url
    source: Title = Field(description="Where the address was found, so nobody invents one.")


class _ItemFields(Strict):
    text: ItemText
    adapted: bool = False


class Item(str):
    """One entry of a list the toolkit gives (a component, a leadership consideration).

    In YAML an entry is a plain string (the toolkit's own) or a mapping with `text` and
    `adapted: true` (an item the project added). The item is the text as the bot says it, so an
    added item carries the mark wherever it is shown; `text` is the wording without it.
    """

    text: str
    adapted: bool

    def __new__(cls, text: str, adapted: bool = False) -> Item:
        item = super().__new__(cls, f"{text} {ADAPTED_MARK}" if adapted else text)
        item.text = text
        item.adapted = adapted
        return item

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        fields = core_schema.no_info_after_validator_function(
            lambda parsed: cls(parsed.text, parsed.adapted), handler.generate_schema(_ItemFields)
        )
        return core_schema.no_info_before_validator_function(
            cls._as_fields,
            fields,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda item: {"text": item.text, "adapted": True} if item.adapted else item.text
            ),
        )

    @staticmethod
    def _as_fields(value: object) -> object:
        if isinstance(value, Item):
            return {"text": value.text, "adapted": value.adapted}
        # A plain string is the toolkit's own item.
        return {"text": value} if isinstance(value, str) else value


class ActionStep(Strict):
    """One of the six Compassionate Action Steps."""

    number: int = Field(ge=1, le=6)
    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]*$")]
    name: Label
    line: BlockText
    text: BlockText
    questions: list[BlockText] = Field(min_length=1)


class Tip(Strict):
    """One tip for moving from empathy to engaging the person in discerning best action."""

    title: Title
    phrases: list[BlockText] = Field(min_length=1)


class ScenarioStep(Strict):
    """The questions a scenario asks at one action step."""

    step: int = Field(ge=1, le=6)
    questions: list[BlockText] = Field(min_length=1)


class Scenario(Strict):
    """A situation for discussion, walked through the six steps."""

    number: int = Field(ge=1)
    title: Title
    story: BlockText
    steps: list[ScenarioStep] = Field(min_length=1)
    adapted: bool = Field(default=False, description="True where the project wrote the text.")


class WellnessPractice(Strict):
    """A self-care practice from one sector of the Wellness Compass."""

    sector: Sector
    title: Title
    text: BlockText
    reflection_questions: list[BlockText] = Field(min_length=1, max_length=6)


class AgendaPart(Strict):
    """One timed part of a circle agenda."""

    title: Title
    minutes: int = Field(ge=1, le=90)
    text: BlockText


class CircleAgenda(Strict):
    """A circle meeting's plan, part by part."""

    title: Title
    parts: list[AgendaPart] = Field(min_length=1)

    @property
    def minutes(self) -> int:
        """The agenda's total length in minutes."""
        return sum(part.minutes for part in self.parts)


class Visual(Strict):
    """The core-content visual to display in common staff areas."""

    title: Title
    caption: BlockText
    alt_text: BlockText
    image: str | None = Field(default=None, description="PNG file name inside the pack's visuals/.")


class Handout(Strict):
    """A supplementary activity or handout."""

    title: Title
    text: BlockText
    link: str | None = Field(default=None, description="Key of a link in the pack's links.")


class KeyActivity(Strict):
    """The section's key activity."""

    title: Title
    text: BlockText
    link: str | None = None


class Section(Strict):
    """One of the toolkit's twelve sections.

    Only number and title are required, so a pack can grow section by section; `missing` lists what
    a complete section still lacks.
    """

    number: int = Field(ge=1, le=12)
    title: Title
    summary: BlockText | None = None
    introduction: BlockText | None = None
    key_activity: KeyActivity | None = None
    wellness_practice: WellnessPractice | None = None
    circle_agendas: list[CircleAgenda] = Field(default_factory=list)
    visual: Visual | None = None
    handouts: list[Handout] = Field(default_factory=list)
    leadership_considerations: list[Item] = Field(default_factory=list)
    components: list[Item] = Field(default_factory=list)
    daily_prompts: list[BlockText] = Field(default_factory=list)
    checkin_question: Title | None = None
    # Whether the check-in asks how someone is doing: only then is a low answer followed by the
    # support note ("how clear is what is expected of you?" at 0 is not a crisis).
    checkin_about_wellbeing: bool = True
    adapted: bool = Field(default=False, description="True where the project wrote the text.")

    @property
    def missing(self) -> list[str]:
        """The segments this section does not have yet."""
        optional = {
            "summary": self.summary,
            "introduction": self.introduction,
            "key_activity": self.key_activity,
            "wellness_practice": self.wellness_practice,
            "circle_agendas": self.circle_agendas,
            "visual": self.visual,
            "handouts": self.handouts,
            "leadership_considerations": self.leadership_considerations,
            "components": self.components,
            "daily_prompts": self.daily_prompts,
            "checkin_question": self.checkin_question,
        }
        return [name for name, value in optional.items() if not value]


class AppendixPage(Strict):
    """A reference page from the toolkit's appendix."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    title: Title
    text: BlockText
    adapted: bool = False


class FistToFive(Strict):
    """The wording of each fist-to-five answer, 0 (fist) to 5 (five fingers)."""

    labels: list[Label] = Field(min_length=6, max_length=6)
    meanings: list[BlockText] = Field(min_length=6, max_length=6)


class SurveyQuestion(Strict):
    """One statement people rate from 0 (not at all) to 5 (completely)."""

    text: Title
    adapted: bool = Field(default=False, description="True where the project wrote the text.")


class Survey(Strict):
    """A short program survey: a few fixed questions, the same for every cohort."""

    title: Title
    introduction: BlockText
    questions: list[SurveyQuestion] = Field(min_length=3, max_length=5)

    @model_validator(mode="after")
    def _unique_questions(self) -> Survey:
        texts = [question.text for question in self.questions]
        if len(set(texts)) != len(texts):
            raise ValueError("each question may appear only once in a survey")
        return self


class Surveys(Strict):
    """The pre, mid and post program surveys, answered on one 0 to 5 scale."""

    scale: list[Label] = Field(min_length=6, max_length=6, description="Labels for 0 to 5.")
    pre: Survey
    mid: Survey
    post: Survey

    def named(self, key: str) -> Survey | None:
        """The survey called `pre`, `mid` or `post`."""
        return {"pre": self.pre, "mid": self.mid, "post": self.post}.get(key)


class Credit(Strict):
    """A work the pack draws on."""

    text: BlockText


class PackInfo(Strict):
    """What a pack is, for whom, and whom it credits."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    audience: Audience
    title: Title
    home_link: str = Field(description="Key of the toolkit's home page for this audience.")
    people_served: Label = Field(description="Who staff serve: 'clients and patients', 'students'.")
    credits: list[Credit] = Field(min_length=1)


class Pack(Strict):
    """A whole content pack, assembled from its files by the loader."""

    info: PackInfo
    links: list[Link] = Field(min_length=1)
    fist_to_five: FistToFive
    steps: list[ActionStep] = Field(min_length=6, max_length=6)
    tips: list[Tip] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    sections: list[Section] = Field(min_length=1, max_length=12)
    appendix: list[AppendixPage] = Field(default_factory=list)
    surveys: Surveys | None = None

    @model_validator(mode="after")
    def _check_references(self) -> Pack:
        numbers = [step.number for step in self.steps]
        if numbers != list(range(1, 7)):
            raise ValueError(f"steps must be numbered 1 to 6 in order, got {numbers}")
        section_numbers = [section.number for section in self.sections]
        if section_numbers != sorted(set(section_numbers)):
            raise ValueError(f"sections must be unique and in order, got {section_numbers}")
        link_keys = {link.key for link in self.links}
        if self.info.home_link not in link_keys:
            raise ValueError(f"info.home_link {self.info.home_link!r} is not a key in links")
        for section in self.sections:
            used = [handout.link for handout in section.handouts]
            used.append(section.key_activity.link if section.key_activity else None)
            for key in used:
                if key is not None and key not in link_keys:
                    raise ValueError(f"section {section.number} uses unknown link key {key!r}")
        return self

    def section(self, number: int) -> Section | None:
        """The section with this number, if the pack has it."""
        return next((s for s in self.sections if s.number == number), None)

    def nearest_with(self, number: int, segment: str) -> Section:
        """The section, or while it lacks `segment` the nearest earlier one that has it (a pack
        can grow a section at a time); the first section when none has."""
        having = [s for s in self.sections if s.number <= number and getattr(s, segment)]
        return having[-1] if having else self.sections[0]

    def link(self, key: str) -> Link:
        """The link with this key (references are checked at load)."""
        return next(link for link in self.links if link.key == key)

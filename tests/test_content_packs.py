"""The built-in content packs: complete, faithful to the toolkit, and strict about broken copies."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from bot.rollouts.posts import checklist
from content.loader import BUILTIN_PACKS, ContentError, load_pack, pack_folder
from content.models import ADAPTED_MARK, Item, Pack

SOURCE_FILES = {
    "healthcare-section1-documents.txt",
    "healthcare-section1-page.txt",
    "schools-overview-presentation.txt",
    "leaders-note-and-considerations.txt",
    "how-the-toolkit-works.txt",
}
STEP_NAMES = [
    "Notice",
    "Self-check",
    "Seek to understand",
    "Cultivate empathy",
    "Discern best action",
    "Take action",
]
STEP_KEYS = [
    "notice",
    "self-check",
    "seek-to-understand",
    "cultivate-empathy",
    "discern-best-action",
    "take-action",
]
APPENDIX_TOPICS = {
    "foundational-beliefs-about-behavior",
    "supporting-change-efforts",
    "staff-disclosure-or-crisis",
    "stress-through-the-career-cycle",
}
# The outline separates the self-care titles from their sector with an en dash.
EN_DASH = "\u2013"
WELLNESS_SECTORS = {8: "Mind", 9: "Spirit", 10: "Strength", 11: "Heart"}
ITEM = TypeAdapter(Item)


@pytest.fixture(scope="module", params=BUILTIN_PACKS)
def pack(request: pytest.FixtureRequest) -> Pack:
    return load_pack(pack_folder(request.param))


@pytest.fixture(scope="module")
def healthcare() -> Pack:
    return load_pack(pack_folder("healthcare"))


@pytest.fixture(scope="module")
def schools() -> Pack:
    return load_pack(pack_folder("schools"))


def _strings(value: object) -> list[str]:
    """Every string inside a dumped model."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


# The packs as shipped.


def test_both_packs_load_with_their_own_audience(pack: Pack) -> None:
    assert pack.info.audience == pack.info.key
    assert pack.info.key in BUILTIN_PACKS


def test_each_pack_has_twelve_sections_in_order_and_the_appendix(pack: Pack) -> None:
    assert [section.number for section in pack.sections] == list(range(1, 13))
    assert {page.key for page in pack.appendix} >= APPENDIX_TOPICS


def test_every_section_of_both_packs_has_every_segment(pack: Pack) -> None:
    incomplete = {section.number: section.missing for section in pack.sections if section.missing}
    assert incomplete == {}


def test_every_circle_agenda_runs_45_to_60_minutes(pack: Pack) -> None:
    for section in pack.sections:
        for agenda in section.circle_agendas:
            assert 45 <= agenda.minutes <= 60, (section.number, agenda.title, agenda.minutes)


def test_every_section_agenda_opens_with_a_fist_to_five_check_in_and_ends_with_a_closing(
    pack: Pack,
) -> None:
    for section in pack.sections:
        agenda = section.circle_agendas[-1]
        assert "fist" in agenda.parts[0].title.lower() or "fist" in agenda.parts[0].text.lower()
        assert agenda.parts[-1].title == "Closing", section.number


def test_the_self_care_sections_practise_mind_spirit_strength_and_heart(pack: Pack) -> None:
    for number, sector in WELLNESS_SECTORS.items():
        section = pack.section(number)
        assert section is not None
        assert section.wellness_practice is not None
        assert section.wellness_practice.sector == sector


def test_every_wellness_practice_has_two_to_four_reflection_questions(pack: Pack) -> None:
    for section in pack.sections:
        assert section.wellness_practice is not None
        assert 2 <= len(section.wellness_practice.reflection_questions) <= 4, section.number


def test_every_section_has_at_least_ten_daily_prompts(pack: Pack) -> None:
    for section in pack.sections:
        assert len(section.daily_prompts) >= 10, section.number


def test_each_packs_daily_prompts_are_unique(pack: Pack) -> None:
    prompts = [prompt for section in pack.sections for prompt in section.daily_prompts]
    duplicates = {prompt for prompt in prompts if prompts.count(prompt) > 1}
    assert duplicates == set()


def test_every_section_has_the_leaders_components_checklist(pack: Pack) -> None:
    for section in pack.sections:
        listed = " ".join(component.text for component in section.components).lower()
        for component in ("ahead", "leader", "visual", "between circles", "survey"):
            assert component in listed, (section.number, component)


def test_sections_the_sources_only_outline_are_marked_as_adapted(pack: Pack) -> None:
    assert [section.number for section in pack.sections if not section.adapted] == [1]


def test_no_text_in_either_pack_exceeds_a_platform_limit(pack: Pack) -> None:
    assert max(len(text) for text in _strings(pack.model_dump())) <= 3000
    titles = [section.title for section in pack.sections] + [page.title for page in pack.appendix]
    assert max(len(title) for title in titles) <= 150


def test_each_pack_has_the_fist_to_five_from_fist_to_five_fingers(pack: Pack) -> None:
    labels = pack.fist_to_five.labels
    assert labels[0].startswith("0") and "Fist" in labels[0]
    assert labels[5].startswith("5") and "Five" in labels[5]
    assert all(meaning for meaning in pack.fist_to_five.meanings)


def test_each_pack_credits_the_toolkit_and_the_works_it_cites(pack: Pack) -> None:
    credits = " ".join(credit.text for credit in pack.info.credits)
    for work in (
        "Compassion Resilience Toolkit",
        "Worline",
        "Awakening Compassion at Work",
        "Lown",
        "Schwartz Center",
        "Brené Brown",
    ):
        assert work in credits


# Links: never an invented address.


def test_every_link_used_is_on_the_packs_link_list(pack: Pack) -> None:
    keys = {link.key for link in pack.links}
    used = {pack.info.home_link}
    for section in pack.sections:
        used.update(handout.link for handout in section.handouts if handout.link)
        if section.key_activity and section.key_activity.link:
            used.add(section.key_activity.link)
    assert used <= keys


def test_every_link_names_the_source_it_was_found_in(pack: Pack) -> None:
    for link in pack.links:
        assert link.source.strip() in SOURCE_FILES, link.key


def test_every_url_in_the_pack_is_on_its_link_list(pack: Pack) -> None:
    urls = {link.url for link in pack.links}
    mentioned = {
        url.rstrip(".,)")
        for text in _strings(pack.model_dump(exclude={"links"}))
        for url in re.findall(r"https?://\S+", text)
    }
    assert mentioned <= urls


def test_the_schools_pack_links_home_to_the_toolkit_and_not_the_health_care_pages(
    schools: Pack,
) -> None:
    assert schools.link(schools.info.home_link).url.startswith(
        "https://compassionresiliencetoolkit.org/"
    )
    assert not [link.key for link in schools.links if "Healthcare_" in link.url]


def test_the_healthcare_pack_links_its_section_1_documents(healthcare: Pack) -> None:
    section = healthcare.section(1)
    assert section is not None and section.key_activity is not None
    scenarios = healthcare.link(section.key_activity.link or "")
    assert scenarios.url.endswith("Healthcare_Section1_ScenariosforDiscussion.pdf")


# Section 1, faithful to the toolkit.


def test_the_six_compassionate_action_steps_are_named_as_in_the_toolkit(pack: Pack) -> None:
    assert [step.name for step in pack.steps] == STEP_NAMES
    assert [step.key for step in pack.steps] == STEP_KEYS
    assert pack.steps[5].line == "Be aware that intention alone is not compassionate action."
    assert all(step.questions for step in pack.steps)


def test_the_empathy_to_action_tips_are_all_six(pack: Pack) -> None:
    titles = [tip.title for tip in pack.tips]
    assert len(titles) == 6
    assert titles[0] == "Focus on the moment and what is manageable"
    assert '"What feels doable right now?"' in pack.tips[0].phrases


def test_the_healthcare_pack_has_the_four_scenarios_walked_through_all_six_steps(
    healthcare: Pack,
) -> None:
    assert [scenario.number for scenario in healthcare.scenarios] == [1, 2, 3, 4]
    assert not any(scenario.adapted for scenario in healthcare.scenarios)
    stories = " ".join(scenario.story for scenario in healthcare.scenarios)
    for detail in ("five minutes late", "wristband", "pediatric oncology", "case manager"):
        assert detail in stories
    for scenario in healthcare.scenarios:
        assert [step.step for step in scenario.steps] == [1, 2, 3, 4, 5, 6]


def test_the_schools_pack_has_the_toolkits_school_scenario_first(schools: Pack) -> None:
    first = schools.scenarios[0]
    assert not first.adapted
    assert "8-year-old" in first.story and "Saturday" in first.story
    assert [step.step for step in first.steps] == [1, 2, 3, 4, 5, 6]
    assert "What emotions come up for you in this scenario?" in first.steps[1].questions
    assert all(scenario.adapted for scenario in schools.scenarios[1:])


def test_section_1_has_the_mind_practice_and_both_circle_agendas(pack: Pack) -> None:
    section = pack.section(1)
    assert section is not None
    assert section.title == TITLES[pack.info.key][1]
    assert section.wellness_practice is not None
    assert section.wellness_practice.sector == "Mind"
    assert section.wellness_practice.title == "An Invitation to Accept and Let Go of Resistance"
    introduction, section_one = section.circle_agendas
    assert "1A" in introduction.title
    assert "fist" in introduction.parts[-2].text.lower()
    assert [part.minutes for part in section_one.parts] == [10, 5, 25, 5, 5]


def test_section_titles_follow_the_toolkit_outline(pack: Pack) -> None:
    titles = {section.number: section.title.lower() for section in pack.sections}
    assert "systemic drivers of compassion fatigue and our locus of control" in titles[4]
    assert "staff culture agreements" in titles[7]
    assert "compassionate connections with the second tier" in titles[12]


# The health-care titles as the toolkit gives them: its own for Sections 1 and 2, the outline's
# wording for the rest, in the pack's sentence case.
HEALTHCARE_TITLES = {
    1: "Compassion in action",
    2: "What are we talking about? Wellness, compassion fatigue and compassion resilience",
    3: "Delving into compassion fatigue, connection to trauma, and assessments",
    4: "Exploring systemic drivers of compassion fatigue and our locus of control",
    5: "Clarifying expectations from self and others",
    6: "Setting compassionate boundaries based on priorities",
    7: "Creating staff culture agreements",
    **{
        number: f"Practicing self-care strategies {EN_DASH} {sector}"
        for number, sector in WELLNESS_SECTORS.items()
    },
    12: "Making compassionate connections with the second tier"
    " (families, community supports, etc.)",
}


# The schools titles as the schools presentation's content outline gives them.
SCHOOLS_TITLES = {
    1: "Putting Compassion into Action",
    2: "Defining Wellness, Compassion Fatigue, Self-Compassion, Compassion Resilience",
    3: "Delving into Compassion Fatigue, Connection to Trauma, and Assessments",
    4: "Exploring Systemic Drivers of Compassion Fatigue and Our Locus of Control",
    5: "Clarifying Expectations from Self and Others",
    6: "Setting Compassionate Boundaries Based on Priorities",
    7: "Creating Staff Culture Agreements",
    **{
        number: f"Practicing Self-Care Strategies {EN_DASH} {sector}"
        for number, sector in WELLNESS_SECTORS.items()
    },
    12: "Making Compassionate Connections with the Second Tier"
    " (families, community supports, etc.)",
}
TITLES = {"healthcare": HEALTHCARE_TITLES, "schools": SCHOOLS_TITLES}
# Wordings that once marked the project's own text inline, before list items had `adapted`.
OLD_MARKERS = ("our addition", "a note of our own")


def test_the_section_titles_are_the_toolkits_own(pack: Pack) -> None:
    assert {section.number: section.title for section in pack.sections} == TITLES[pack.info.key]


def test_the_cycle_of_compassion_fatigue_has_the_toolkits_three_stages(pack: Pack) -> None:
    section = pack.section(3)
    assert section is not None and section.visual is not None
    labels = [line.partition(": ")[0] for line in section.visual.caption.splitlines()]
    assert labels == ["Zealot", "Irritability", "Withdrawal"]
    handouts = " ".join(handout.text for handout in section.handouts)
    assert "Renewal:" not in handouts


def test_neither_pack_adds_a_renewal_stage_and_each_marks_the_way_out_as_its_own(
    pack: Pack,
) -> None:
    texts = _strings(pack.model_dump(include={"sections", "appendix"}))
    assert [text for text in texts if "renewal" in text.lower()] == []
    way_out = [text for text in texts if "way out of the cycle" in text]
    assert way_out
    assert all("our adaptation" in text for text in way_out)


def test_the_system_stress_document_is_described_as_the_leaders_note_does(pack: Pack) -> None:
    # The note names "sources of system stress from a school perspective and protective factors
    # under leaderships' control", and lists none of them.
    section = pack.section(4)
    assert section is not None
    (handout,) = [h for h in section.handouts if "system stress" in h.title]
    for text in (handout.text, " ".join(section.leadership_considerations)):
        flat = " ".join(text.split())
        assert "system stress from a school perspective and the protective factors" in flat
        assert "under leadership's control" in flat
        assert ": clear expectations" not in flat and "reasonable workloads" not in flat
    assert "health and human services perspective" not in " ".join(_strings(pack.model_dump()))


def test_every_survey_question_is_marked_as_the_projects_own(pack: Pack) -> None:
    # The toolkit asks for pre, mid and post surveys but gives no questions.
    assert pack.surveys is not None
    surveys = (pack.surveys.pre, pack.surveys.mid, pack.surveys.post)
    assert all(question.adapted for survey in surveys for question in survey.questions)


def test_a_list_item_is_plain_text_or_text_flagged_as_the_projects_own() -> None:
    toolkit = ITEM.validate_python("Hang visual in common areas")
    ours = ITEM.validate_python({"text": "Share the support line.", "adapted": True})
    assert (toolkit.adapted, toolkit) == (False, "Hang visual in common areas")
    assert (ours.adapted, ours.text) == (True, "Share the support line.")
    assert ours == f"Share the support line. {ADAPTED_MARK}"


def test_the_leaders_lists_flag_exactly_what_the_project_added(pack: Pack) -> None:
    # The note to leaders gives seven components for every section and three leadership items
    # for each of Sections 8 to 11; anything more is ours and says `adapted: true`.
    for section in pack.sections:
        assert len([c for c in section.components if not c.adapted]) == 7, section.number
    for number in range(8, 12):
        section = pack.section(number)
        assert section is not None
        assert len([c for c in section.leadership_considerations if not c.adapted]) == 3, number
        assert any(c.adapted for c in section.leadership_considerations), number
    listed = [*(c for s in pack.sections for c in s.components)]
    listed += [c for s in pack.sections for c in s.leadership_considerations]
    assert [c.text for c in listed if ADAPTED_MARK in c.text] == []


def test_no_text_in_either_pack_uses_an_old_marker_for_its_own_wording(pack: Pack) -> None:
    texts = [text.lower() for text in _strings(pack.model_dump())]
    assert [text for text in texts if any(marker in text for marker in OLD_MARKERS)] == []


def test_the_checklist_marks_the_projects_components_and_only_those(pack: Pack) -> None:
    for section in pack.sections:
        reply = checklist(pack, section.number, {}, "Monday")
        lines = [line for line in reply.plain_text().splitlines() if line.lstrip("• ")[:1] == "☐"]
        marked = [ADAPTED_MARK in line for line in lines]
        assert marked == [c.adapted for c in section.components], section.number


STEPS_CREDIT = (
    "combined from the works of Monica Worline, Awakening Compassion at Work (2017), and Beth Lown,"
    " The Schwartz Center for Compassionate Healthcare (2014)"
)


def test_each_pack_credits_the_steps_in_the_same_words_everywhere(pack: Pack) -> None:
    texts = [" ".join(text.split()) for text in _strings(pack.model_dump())]
    crediting = [text for text in texts if "Worline" in text]
    assert len(crediting) == 2  # the pack's credits and the Section 1 introduction
    assert all(STEPS_CREDIT in text for text in crediting)
    assert all(
        f"The six Compassionate Action Steps, {STEPS_CREDIT}, are" in text
        or f"The Compassionate Action Steps, {STEPS_CREDIT}." in text
        for text in crediting
    )


def test_each_pack_spells_program_as_the_sources_do(pack: Pack) -> None:
    # The toolkit writes American English ("behavior", "center", "program").
    words = " ".join(_strings(pack.model_dump())).lower()
    assert re.findall(r"programmes?\b", words) == []
    assert "program" in words


def test_no_link_in_either_pack_has_a_double_slash_in_its_path(pack: Pack) -> None:
    # The extracted sources carry "org//media/"; the addresses themselves have one slash.
    urls = [link.url for link in pack.links]
    urls += [
        url
        for text in _strings(pack.model_dump(exclude={"links"}))
        for url in re.findall(r"https?://\S+", text)
    ]
    assert [url for url in urls if "//" in url.partition("://")[2]] == []


def test_the_schools_pack_says_schedules_once_in_section_4_and_never_charting(
    schools: Pack,
) -> None:
    section = schools.section(4)
    assert section is not None
    words = " ".join(_strings(section.model_dump(exclude={"daily_prompts"}))).lower()
    assert len(re.findall(r"\bschedules\b", words)) == 1
    assert "charting" not in " ".join(_strings(schools.model_dump())).lower()


def test_titles_keep_the_outlines_dash_and_handouts_their_colons(pack: Pack) -> None:
    for number in WELLNESS_SECTORS:
        section = pack.section(number)
        assert section is not None and f" {EN_DASH} " in section.title, number
    titles = [h.title for s in pack.sections for h in s.handouts]
    assert "My Wellness Compass: a one-page reflection" in titles
    assert "The ProQOL: Professional Quality of Life measure" in titles


def test_the_schools_pack_notes_the_presentations_cultivate_compassion(schools: Pack) -> None:
    section = schools.section(1)
    assert section is not None and section.introduction is not None
    assert "Cultivate compassion" in schools.steps[3].text
    assert "Cultivate compassion" in section.introduction


def test_the_break_for_our_spirit_is_credited_to_where_the_presentation_puts_it(
    pack: Pack,
) -> None:
    # The schools presentation offers it after the Section 1 scenario; Section 9 returns to it
    # and says that doing so is ours.
    section = pack.section(9)
    assert section is not None and section.key_activity and section.wellness_practice
    for text in (section.key_activity.text, section.wellness_practice.text):
        flat = " ".join(text.split())
        assert "break for our SPIRIT" in flat and "Section 1" in flat and "our adaptation" in flat
    assert "A break for our SPIRIT" not in (
        section.key_activity.title,
        section.wellness_practice.title,
    )


def test_the_schools_break_for_our_spirit_follows_the_section_1_scenario(schools: Pack) -> None:
    first = schools.section(1)
    assert first is not None and first.key_activity is not None
    text = " ".join(first.key_activity.text.split())
    assert text.index("break for our SPIRIT") > text.index("scenario")
    assert "A break for our SPIRIT" in [handout.title for handout in first.handouts]
    for section in schools.sections[1:]:
        own = [section.key_activity, section.wellness_practice]
        assert "A break for our SPIRIT" not in [part.title for part in own if part], section.number


def test_the_packs_speak_to_their_own_audience(healthcare: Pack, schools: Pack) -> None:
    def words(pack: Pack) -> str:
        return " ".join(_strings(pack.model_dump(include={"sections", "appendix", "scenarios"})))

    assert re.findall(r"\b(?:patients|clients|clinic)\b", words(schools).lower()) == []
    assert re.findall(r"\b(?:students?|classroom)\b", words(healthcare).lower()) == []


# The health-care daily prompts: enough to last, short, varied, never the same twice.


def _healthcare_prompts(healthcare: Pack) -> list[tuple[int, str]]:
    return [(s.number, prompt) for s in healthcare.sections for prompt in s.daily_prompts]


def test_every_healthcare_section_has_at_least_forty_prompts_short_enough_for_a_phone(
    healthcare: Pack,
) -> None:
    assert {s.number: len(s.daily_prompts) >= 40 for s in healthcare.sections} == {
        number: True for number in range(1, 13)
    }
    assert [prompt for _, prompt in _healthcare_prompts(healthcare) if len(prompt) > 200] == []


def test_no_step_label_opens_more_than_three_prompts_in_a_healthcare_section(
    healthcare: Pack,
) -> None:
    crowded = [
        (section.number, step.name)
        for section in healthcare.sections
        for step in healthcare.steps
        if sum(prompt.startswith(step.name) for prompt in section.daily_prompts) > 3
    ]
    assert crowded == []


def test_no_two_healthcare_prompts_are_near_identical(healthcare: Pack) -> None:
    def words(text: str) -> frozenset[str]:
        return frozenset(re.findall(r"[a-z']+", text.lower()))

    prompts = [prompt for _, prompt in _healthcare_prompts(healthcare)]
    sets = [words(prompt) for prompt in prompts]
    close = [
        (prompts[i], prompts[j])
        for i in range(len(sets))
        for j in range(i + 1, len(sets))
        if len(sets[i] & sets[j]) / len(sets[i] | sets[j]) > 0.6
    ]
    assert close == []


def test_healthcare_prompts_never_order_breaks_or_sleep_staff_may_not_control(
    healthcare: Pack,
) -> None:
    bossy = re.compile(r"rest is not a reward|protect (?:one |your )?(?:break|sleep)", re.I)
    assert [prompt for _, prompt in _healthcare_prompts(healthcare) if bossy.search(prompt)] == []


# An organisation's copy.


def _copy(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / name
    shutil.copytree(pack_folder(name), folder)
    return folder


def test_an_organisations_edited_copy_of_a_pack_loads(tmp_path: Path) -> None:
    folder = _copy("schools", tmp_path)
    section_file = folder / "sections" / "01.yaml"
    text = section_file.read_text(encoding="utf-8")
    section_file.write_text(
        text.replace(
            "title: Putting Compassion into Action",
            "title: Putting Compassion into Action at Lincoln Middle",
        ),
        encoding="utf-8",
    )
    edited = load_pack(folder)
    section = edited.section(1)
    assert section is not None
    assert section.title == "Putting Compassion into Action at Lincoln Middle"


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _replace_line(path: Path, line: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_copy_missing_a_required_field_names_file_field_and_line(tmp_path: Path) -> None:
    folder = _copy("healthcare", tmp_path)
    path = folder / "sections" / "05.yaml"
    _replace_line(path, _line_of(path, "title: Clarifying expectations from self"), "")
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    assert caught.value.path == path
    assert caught.value.field == "sections[4].title"
    assert caught.value.line == 1
    assert "Field required" in str(caught.value)


def test_a_copy_with_a_wrong_type_names_file_field_and_line(tmp_path: Path) -> None:
    folder = _copy("healthcare", tmp_path)
    path = folder / "sections" / "07.yaml"
    line = _line_of(path, "minutes: 10")
    _replace_line(path, line, "        minutes: ten")
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    assert caught.value.path == path
    assert caught.value.field == "sections[6].circle_agendas[0].parts[0].minutes"
    assert caught.value.line == line
    assert f"{path}:{line}" in str(caught.value)


def test_a_copy_with_an_unknown_section_number_13_fails(tmp_path: Path) -> None:
    folder = _copy("schools", tmp_path)
    path = folder / "sections" / "12.yaml"
    _replace_line(path, 1, "number: 13")
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    assert caught.value.path == path
    assert caught.value.field == "sections[11].number"
    assert caught.value.line == 1
    assert "12" in caught.value.problem


def test_a_copy_with_text_over_the_3000_character_limit_fails(tmp_path: Path) -> None:
    folder = _copy("schools", tmp_path)
    path = folder / "sections" / "02.yaml"
    line = _line_of(path, "summary:")
    lines = path.read_text(encoding="utf-8").splitlines()
    end = line
    while lines[end].startswith("  "):
        end += 1
    lines[line - 1 : end] = [f"summary: {'x' * 3001}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    assert caught.value.path == path
    assert caught.value.field == "sections[1].summary"
    assert caught.value.line == line
    assert "3000" in caught.value.problem


def test_a_copy_with_bad_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _copy("healthcare", tmp_path)
    path = folder / "sections" / "03.yaml"
    line = _line_of(path, "checkin_question:")
    _replace_line(path, line, "checkin_question: [How are you doing")
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    assert caught.value.path == path
    assert "not valid YAML" in caught.value.problem
    assert caught.value.line is not None and caught.value.line >= line


def test_a_copy_with_an_unknown_key_names_the_key_and_its_line(tmp_path: Path) -> None:
    folder = _copy("healthcare", tmp_path)
    path = folder / "sections" / "04.yaml"
    with path.open("a", encoding="utf-8") as handle:
        handle.write("colour: teal\n")
    line = _line_of(path, "colour: teal")
    with pytest.raises(ContentError) as caught:
        load_pack(folder)
    assert caught.value.path == path
    assert caught.value.field == "sections[3].colour"
    assert caught.value.line == line
    assert "Extra inputs" in caught.value.problem


def test_a_copy_linking_to_an_unknown_link_key_fails(tmp_path: Path) -> None:
    folder = _copy("schools", tmp_path)
    path = folder / "sections" / "04.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("link: toolkit-home", "link: made-up-page", 1), encoding="utf-8")
    with pytest.raises(ContentError, match="made-up-page"):
        load_pack(folder)

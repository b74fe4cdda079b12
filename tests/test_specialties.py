"""Specialty taxonomy and matcher: inflected, compound and coordinated phrases to ids."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.textpages import CASES, lines_document, pdf_document
from verify.fields.specialties import (
    SPAN_KEY,
    extract_specialties,
    find_specialties,
    register_component,
    taxonomy,
)

REQUIRED_IDS = [
    "trauma_surgeon", "cardiovascular_surgeon", "maxillofacial_surgeon", "pediatric_surgeon",
    "general_surgeon", "neurosurgeon", "anesthesiologist", "radiologist", "nurse",
    "operating_nurse", "infectious_disease_specialist", "epidemiologist", "therapist",
    "emergency_physician", "paramedic", "burn_specialist", "psychiatrist", "pharmacist",
    "transfusiologist",
]  # fmt: skip


def ids(text: str, language: str) -> list[str]:
    return [specialty for specialty, *_ in find_specialties(text, language)]


def test_taxonomy_has_every_id_with_three_labels() -> None:
    tax = taxonomy()
    assert tax.version
    for specialty in REQUIRED_IDS:
        assert set(tax.labels[specialty]) == {"ru", "uk", "en"}
    assert tax.label("cardiovascular_surgeon") == "cardiovascular surgeon"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("врачей - сердечно-сосудистых хирургов", "ru", ["cardiovascular_surgeon"]),
        ("врачи-травматологи-ортопеды", "ru", ["trauma_surgeon"]),
        ("врачей – челюстно–лицевых хирургов", "ru", ["maxillofacial_surgeon"]),
        ("врачей - детских хирургов", "ru", ["pediatric_surgeon"]),
        ("медицинских сестер (в том числе операционных)", "ru", ["nurse", "operating_nurse"]),
        ("операционных медицинских сестер", "ru", ["operating_nurse"]),
        ("врачей-анестезиологов-реаниматологов", "ru", ["anesthesiologist"]),
        ("сердечно-\nсосудистых хирургов", "ru", ["cardiovascular_surgeon"]),
        ("лікарів-анестезіологів", "uk", ["anesthesiologist"]),
        ("медичних сестер операційних", "uk", ["operating_nurse"]),
        ("фельдшерів з медицини невідкладних станів", "uk", ["paramedic"]),
        ("anaesthetists, radiologists", "en", ["anesthesiologist", "radiologist"]),
        ("nurses (including for operating rooms)", "en", ["nurse", "operating_nurse"]),
        ("infectious disease specialists", "en", ["infectious_disease_specialist"]),
        ("Главный врач", "ru", []),
        ("врачей", "ru", []),
        ("отделения хирургии", "ru", []),
    ],
)
def test_phrases(text: str, language: str, expected: list[str]) -> None:
    assert ids(text, language) == expected


@pytest.mark.parametrize("spelling", ["maxilofacial", "maxillofacial"])
def test_coordinated_english_surgeons(spelling: str) -> None:
    text = f"trauma, heart, {spelling} and paediatric surgeons"
    found = find_specialties(text, "en")
    assert [f[0] for f in found] == [
        "trauma_surgeon", "cardiovascular_surgeon", "maxillofacial_surgeon", "pediatric_surgeon",
    ]  # fmt: skip
    assert all(text[start:end] == text for _, start, end, _ in found)


def test_seed_report_sentence_matches_founding_letter() -> None:
    report = (
        "Medics that it is looking for include trauma, heart, maxillofacial and pediatric "
        "surgeons, anesthetists, radiologists, nurses (including for operating rooms), and "
        "infectious disease specialists."
    )
    assert ids(report, "en") == [
        "trauma_surgeon", "cardiovascular_surgeon", "maxillofacial_surgeon", "pediatric_surgeon",
        "anesthesiologist", "radiologist", "nurse", "operating_nurse",
        "infectious_disease_specialist",
    ]  # fmt: skip


def test_ocr_noise_lowers_confidence() -> None:
    doc = lines_document(["- врачей-рентгенолгов;", "- врачей-инфекциониcтов."])  # Latin c
    found = extract_specialties(doc, "ru")
    assert [s.value for s in found] == ["radiologist", "infectious_disease_specialist"]
    assert found[0].source == "rule:specialty.ru.fuzzy" and found[0].confidence < 0.95
    assert found[1].source == "rule:specialty.ru.lookalike"


def test_each_specialty_once_with_first_evidence() -> None:
    doc = lines_document(
        ["просит представить списки по специальностям:", "- врачей-рентгенологов;",
         "- врачей-рентгенологов (повторно)."]
    )  # fmt: skip
    found = extract_specialties(doc, "ru")
    assert len(found) == 1
    assert found[0].raw == "рентгенологов"
    assert found[0].page == 1 and found[0].bbox[1] == 54.0
    assert found[0].label_en == "radiologist"


def test_signature_position_is_not_a_specialty() -> None:
    doc = lines_document(
        ["Просим направить врачей-психиатров.", "Главный внештатный специалист-эпидемиолог",
         "И.И. Иванов"]
    )  # fmt: skip
    assert [s.value for s in extract_specialties(doc, "ru")] == ["psychiatrist"]


def test_component_on_blank_pipeline_and_round_trip() -> None:
    register_component()
    nlp = spacy.blank("en")
    nlp.add_pipe("verify_specialties", config={"language": "en"})
    doc = nlp("We need heart and paediatric surgeons and nurses.")
    labels = [span.label_ for span in doc.spans[SPAN_KEY]]
    assert labels == ["cardiovascular_surgeon", "pediatric_surgeon", "nurse"]
    restored = spacy.tokens.Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [span.label_ for span in restored.spans[SPAN_KEY]] == labels


@pytest.mark.parametrize("case", CASES)
def test_fixture_letters(case: str) -> None:
    doc, truth = pdf_document(case)
    found = [s.value for s in extract_specialties(doc, truth["language"])]
    assert sorted(found) == sorted(truth["requested_specialties"])


_RU_LABELS = [taxonomy().label(s, "ru") for s in REQUIRED_IDS]


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.sampled_from(REQUIRED_IDS), min_size=1, max_size=5, unique=True))
def test_listed_russian_labels_are_all_found(labels: list[str]) -> None:
    text = "по специальностям: " + "; ".join(taxonomy().label(s, "ru") for s in labels) + "."
    assert set(ids(text, "ru")) >= set(labels)


def test_an_ocr_letter_confusion_is_undone_only_in_ocr_text() -> None:
    # A 90-dpi photo read "burn specialists" as "bum specialists" (rn -> m).
    found = extract_specialties(lines_document(["- bum specialists;"]), "en")
    assert [(s.value, s.source) for s in found] == [("burn_specialist", "rule:specialty.en.fuzzy")]
    assert found[0].raw == "bum specialists"
    assert extract_specialties(lines_document(["- bum specialists;"], confidence=1.0), "en") == []
    # Ordinary words are left alone: only a repair that lands in the vocabulary counts.
    assert extract_specialties(lines_document(["- the drum and the team;"]), "en") == []


def test_a_first_letter_lost_to_a_bullet_is_restored_only_in_ocr_text() -> None:
    # A phone photo read "- trauma surgeons;" as "+ rauma surgeons;": the bullet took the "t".
    found = extract_specialties(lines_document(["+ rauma surgeons;"]), "en")
    assert [(s.value, s.source) for s in found] == [("trauma_surgeon", "rule:specialty.en.fuzzy")]
    assert found[0].raw == "rauma surgeons"
    text_layer = extract_specialties(lines_document(["+ rauma surgeons;"], confidence=1.0), "en")
    assert [s.value for s in text_layer] == ["general_surgeon"]
    # A line whose only word is such a tail is still searched.
    assert [s.value for s in extract_specialties(lines_document(["• ирургов;"]), "ru")] == [
        "general_surgeon"
    ]
    # A word is repaired only into a vocabulary key: "urse" (4 letters) is too short.
    assert extract_specialties(lines_document(["- urses;"]), "en") == []

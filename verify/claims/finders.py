"""One small finder per claim kind, each reading what follows a cue in one sentence.

Finders return drafts with offsets into the sentence; ``verify.claims.extract`` turns
them into numbered ``Claim`` objects with sentence and report offsets. Each finder is
conservative on purpose: a claim verify invents is worse than one it misses, because the
editor would be told that a document supports or contradicts something nobody said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from verify.claims.organisations import health_ministries, organisation_at, organisations_in
from verify.claims.organisations import label as organisation_label
from verify.claims.patterns import cues, patterns
from verify.claims.when import ClockTime, PartialDate, date_at, iter_dates, time_at
from verify.fields.specialties import find_specialties, taxonomy
from verify.resources import load_json
from verify.text.morphology import analyser, is_plural
from verify.text.nlp import lemma_of, lemmatise

_INITIALS = re.compile(r"^(?:[A-ZА-ЯЁІЇЄҐ]\.\s?){1,2}")
_NAME_WORD = re.compile(r"[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'’]+(?:-[A-ZА-ЯЁІЇЄҐ][a-zа-яёіїєґ'’]+)?")
_OPENING = " \t\"'«“„‘(:—–"
_CLOSING = " \t\"'»”’.,;:)"


@dataclass(frozen=True)
class Draft:
    """A claim before numbering: kind, value, label, span in the sentence, rule, note."""

    kind: str
    value: str | None
    label: str
    start: int
    end: int
    rule: str
    note: str | None = None


@dataclass(frozen=True)
class Context:
    """What every finder may need: the language, the report's own date, the sentence's scope.

    ``in_scope`` is true for a sentence that names the document or continues one that did
    (``verify.claims.sentences``); finders whose cue could be a bystander's words ("a
    trauma surgeon in Kursk told us") claim only there.
    """

    language: str
    report_date: PartialDate | None
    report_date_source: str | None
    in_scope: bool = True


def _skip(text: str, position: int, chars: str = _OPENING) -> int:
    while position < len(text) and text[position] in chars:
        position += 1
    return position


# --------------------------------------------------------------------------- signatory


@cache
def _position_forms(language: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """(key words of a position form, position id), longest first."""
    data = load_json("positions.json")["positions"]
    forms: list[tuple[tuple[str, ...], str]] = []
    for position, spec in data.items():
        phrases = [*spec["forms"].get(language, []), spec["labels"].get(language, "")]
        for phrase in phrases:
            key = _position_key(phrase, language)
            if key:
                forms.append((key, position))
    return tuple(sorted(set(forms), key=lambda item: -len(item[0])))


def _position_key(phrase: str, language: str) -> tuple[str, ...]:
    """Lemmas of a position phrase without the words reports add ('health', 'здравоохранения')."""
    abbreviations = patterns()["position_abbreviations"].get(language, {})
    phrase = abbreviations.get(phrase.lower().strip(), phrase)
    extra = set(patterns()["position_extra_words"].get(language, []))
    words = [_lemma(token.text, token.lemma_, language) for token in lemmatise(phrase, language)]
    # a form with an abbreviation ("и.о. министра") keeps it, so it cannot shrink to another
    # position's form ("министр")
    return tuple(word for word in words if word and word not in extra)


def _lemma(text: str, lemma: str, language: str) -> str:
    value = lemma_of(text, lemma, language)
    return value.replace("'", "").replace("’", "") if language == "en" else value


def _position_at(text: str, language: str) -> tuple[str, int] | None:
    """(position id, end offset) of the longest position phrase starting ``text``."""
    doc = lemmatise(text[:200], language)
    words = [token for token in doc if not token.is_space][:7]
    abbreviations = patterns()["position_abbreviations"].get(language, {})
    extra = set(patterns()["position_extra_words"].get(language, []))
    forms = _position_forms(language)
    for count in range(len(words), 0, -1):
        chunk = words[:count]
        if any(not _wordlike(token.text) for token in chunk):
            continue
        surface = " ".join(token.text.lower() for token in chunk)
        if surface in abbreviations:
            key = _position_key(abbreviations[surface], language)
        else:
            key = tuple(
                word
                for word in (_lemma(t.text, t.lemma_, language) for t in chunk)
                if word not in extra
            )
        for form, position in forms:
            if key == form:
                return position, chunk[-1].idx + len(chunk[-1].text)
    return None


def _wordlike(text: str) -> bool:
    """A word, possibly with an apostrophe or hyphen inside ("здоров'я", "vice-minister")."""
    return bool(re.fullmatch(r"[^\W\d_]+(?:['’ʼ-][^\W\d_]+)*", text))


def _skip_extra_words(text: str, position: int, language: str) -> int:
    """Skip words a report adds after a position ("охорони здоров'я") before the name."""
    extra = set(patterns()["position_extra_words"].get(language, []))
    while True:
        match = re.match(r"\s*([^\W\d_]+(?:['’ʼ-][^\W\d_]+)*)", text[position:])
        if not match or match.group(1)[:1].isupper():
            return position
        words = {match.group(1).lower()}
        words.update(
            _lemma(t.text, t.lemma_, language) for t in lemmatise(match.group(1), language)
        )
        if not words & extra:
            return position
        position += match.end()


def _name_at(text: str, language: str) -> tuple[str, int] | None:
    """(name in its dictionary form, end) of a person's name starting ``text``."""
    position = 0
    initials = _INITIALS.match(text)
    if initials:
        position = initials.end()
    words: list[tuple[int, int]] = []
    while len(words) < 3:
        match = _NAME_WORD.match(text, _skip(text, position, " "))
        if not match:
            break
        words.append((match.start(), match.end()))
        position = match.end()
        follow = _INITIALS.match(text, _skip(text, position, " "))
        if follow and not words:
            position = follow.end()
    if not words:
        return None
    end = words[-1][1]
    raw = text[:end]
    if language in ("ru", "uk") and _already_nominative(raw, language):
        value = " ".join(raw.split()).replace(". ", ".")
    elif language in ("ru", "uk"):
        doc = lemmatise(raw, language)
        parts = []
        for token in doc:
            if token.is_space:
                continue
            if _INITIALS.fullmatch(token.text + ("" if token.text.endswith(".") else ".")) and (
                token.text.endswith(".")
            ):
                parts.append(token.text)
            elif token.is_alpha:
                lemma = _nominative(token.text, language) or token.lemma_ or token.text
                parts.append(lemma[:1].upper() + lemma[1:])
            else:
                parts.append(token.text)
        value = " ".join(parts).replace(". ", ".").replace(" .", ".")
    else:
        value = " ".join(raw.split())
    return value, end


def _already_nominative(raw: str, language: str) -> bool:
    """'Андрей Мунтяну': a first name in the nominative leaves the surname as written.

    A foreign surname that does not decline ('Мунтяну', 'Попеску') would otherwise be
    "lemmatised" into another name ('Мунтян').
    """
    for word in re.findall(r"[^\W\d_]{2,}", raw)[:1]:
        for parse in analyser(language).parse(word.lower())[:1]:
            tags = set(str(parse.tag).replace(" ", ",").split(","))
            return "Name" in tags and "nomn" in tags
    return False


def _nominative(word: str, language: str) -> str | None:
    """A name in the nominative of its own gender: 'Гордеевой' -> 'гордеева', not 'гордеев'.

    spaCy's lemma of a Russian or Ukrainian surname is the masculine form, which would
    turn a woman's name into her husband's or father's.
    """
    readings = [
        parse
        for parse in analyser(language).parse(word.lower())[:4]
        if {"Surn", "Name", "Patr"} & set(str(parse.tag).replace(" ", ",").split(","))
    ]
    if any({"nomn", "sing"} in parse.tag for parse in readings):
        return word.lower()  # "Гордеева" may already be her name, not his in the genitive
    for parse in readings:
        inflected = parse.inflect({"nomn", "sing"})
        if inflected is not None:
            return str(inflected.word)
    return None


def find_signatories(sentence: str, context: Context) -> list[Draft]:
    """'signed by Deputy Health Minister Plutnitsky' -> a position claim and a name claim."""
    language = context.language
    skip_words = set(patterns()["name_skip_words"].get(language, []))
    labels = load_json("positions.json")["positions"]
    drafts: list[Draft] = []
    for cue in cues("signed_by", language):
        for match in cue.finditer(sentence):
            position = match.end()
            while True:
                word = re.match(r"[^\W\d_][\w'’]*\s*", sentence[position:])
                if not word or word.group(0).strip().lower() not in skip_words:
                    break
                position += word.end()
            rule = f"rule:claim.{language}.signed_by"
            found = _position_at(sentence[position:], language)
            if found:
                position_id, length = found
                drafts.append(
                    Draft(
                        "signatory_position",
                        position_id,
                        labels[position_id]["labels"]["en"],
                        position,
                        position + length,
                        rule,
                    )
                )
                position = _skip_extra_words(sentence, position + length, language)
                position = _skip(sentence, position, " ,")
            name = _name_at(sentence[position:], language)
            if name:
                value, length = name
                drafts.append(
                    Draft("signatory_name", value, value, position, position + length, rule)
                )
                if not found:  # "Andrei Munteanu, Secretary of State"
                    drafts.extend(_position_after_name(sentence, position + length, language, rule))
    return drafts


def _position_after_name(sentence: str, end: int, language: str, rule: str) -> list[Draft]:
    """The position that follows a signatory's name after a comma or dash."""
    comma = re.match(r"\s*[,—–-]\s*(?:(?:a|an|the)\s+)?", sentence[end:], re.IGNORECASE)
    if not comma:
        return []
    start = end + comma.end()
    found = _position_at(sentence[start:], language)
    if not found:
        return []
    position_id, length = found
    label = load_json("positions.json")["positions"][position_id]["labels"]["en"]
    return [Draft("signatory_position", position_id, label, start, start + length, rule)]


@cache
def _position_starts(language: str) -> tuple[str, ...]:
    """First letters of the first word of every position form: where a scan may start."""
    data = load_json("positions.json")["positions"]
    abbreviations = patterns()["position_abbreviations"].get(language, {})
    phrases = [
        phrase
        for spec in data.values()
        for phrase in [*spec["forms"].get(language, []), spec["labels"].get(language, "")]
    ]
    phrases += list(abbreviations)
    return tuple(sorted({p.split()[0][:4].lower() for p in phrases if p.strip()}))


def find_officials(sentence: str, context: Context) -> list[Draft]:
    """'Заместитель министра Андрей Плутницкий попросил', 'письмо замминистра Плутницкого'.

    A position followed by a name is a claim about the signatory where the report ties
    it to the document: the sentence speaks of signing, the official is the one asking
    ('… asked regions'), or the document is named right before ('письма замминистра').
    A health minister merely quoted elsewhere is not.
    """
    language = context.language
    signing = any(cue.search(sentence) for cue in cues("signing_words", language))
    acts = cues("official_acts", language)
    owner = cues("document_owner", language)
    labels = load_json("positions.json")["positions"]
    starts = _position_starts(language)
    rule = f"rule:claim.{language}.official"
    drafts: list[Draft] = []
    taken = 0
    for word in re.finditer(r"[^\W\d_][\w.'’-]*", sentence):
        if word.start() < taken or not word.group(0).lower().startswith(starts):
            continue
        found = _position_at(sentence[word.start() :], language)
        if not found:
            continue
        position_id, length = found
        end = word.start() + length
        after = _skip(sentence, _skip_extra_words(sentence, end, language), " ,")
        name = _name_at(sentence[after:], language)
        tail = after + name[1] if name else end
        if name is None and not (
            signing and not is_plural(_last_word(sentence[word.start() : end]), language)
        ):
            continue  # "directors", "главврачам": addressees, not a signatory
        tied = (
            signing
            or any(cue.match(sentence[tail:]) for cue in acts)
            or any(cue.search(sentence[max(0, word.start() - 40) : word.start()]) for cue in owner)
        )
        if not tied:
            continue
        taken = tail
        drafts.append(
            Draft(
                "signatory_position",
                position_id,
                labels[position_id]["labels"]["en"],
                word.start(),
                end,
                rule,
            )
        )
        if name:
            drafts.append(Draft("signatory_name", name[0], name[0], after, tail, rule))
    return drafts


# --------------------------------------------------------------------------- dates


def _unstated_year(date: PartialDate) -> str | None:
    """The note of a date whose year the report did not state.

    The year is never filled in from the report's date: a report of 21 February about
    "до 20 марта" means March of that year, and a guess of the previous year would make a
    true claim contradicted. Only the day and month are checked.
    """
    return None if date.year is not None else "year not stated: only day and month are checked"


def _relative_at(text: str, table: dict[str, int]) -> tuple[int, int] | None:
    """(days from the report date, end) of a relative word starting ``text``."""
    lowered = text.lower()
    for word in sorted(table, key=len, reverse=True):
        if lowered.startswith(word) and not lowered[len(word) : len(word) + 1].isalpha():
            return table[word], len(word)
    return None


def find_document_dates(sentence: str, context: Context) -> list[Draft]:
    """'dated February 25', 'письмо от 25 февраля 2022 года', 'датований вчора'.

    A relative date ('dated yesterday') becomes a claim with no value: it is reported as
    not checkable, since resolving it against the report's own date would compare the
    document with an assumption (a report is often dated the day after it was written).
    """
    language = context.language
    relative = patterns()["relative_date_words"].get(language, {})
    drafts: list[Draft] = []
    for cue in cues("dated", language):
        for match in cue.finditer(sentence):
            position = match.end()
            rule = f"rule:claim.{language}.dated"
            days = _relative_at(sentence[position:], relative)
            end = position
            explicit = None
            if days is not None:
                end = position + days[1]
                after = _skip(sentence, end, " -–—,:(")
                explicit = date_at(sentence[after:], language)
                if explicit:
                    end = after + explicit.end
            else:
                explicit = date_at(sentence[position:], language)
                if explicit:
                    end = position + explicit.end
            if explicit:
                date = explicit.date
                drafts.append(
                    Draft(
                        "document_date",
                        date.iso(),
                        date.iso(),
                        position,
                        end,
                        rule,
                        _unstated_year(date),
                    )
                )
            elif days is not None:
                words = sentence[position:end]
                note = _relative_note(words)
                if context.report_date is not None:
                    would_be = context.report_date.shifted(days[0]).iso()
                    note += f"; against {context.report_date_source} it would be {would_be}"
                drafts.append(Draft("document_date", None, words, position, end, rule, note))
    drafts.extend(_dates_by_context(sentence, language, [(d.start, d.end) for d in drafts]))
    return drafts


def _dates_by_context(sentence: str, language: str, taken: list[tuple[int, int]]) -> list[Draft]:
    """Dates the words around them make the document's ('направило 2 марта', 'от 27.02.2022')."""
    before = cues("document_date_near", language, "before")
    after = cues("document_date_near", language, "after")
    excluded = cues("document_date_near", language, "not_before")
    drafts = []
    for start, found in iter_dates(sentence, language):
        end = start + found.end
        if any(a <= start < b for a, b in taken):
            continue
        head = sentence[max(0, start - 120) : start]
        if any(cue.search(head[-25:]) for cue in excluded):
            continue
        tail = sentence[end:]
        if not (any(c.search(head) for c in before) or any(c.match(tail) for c in after)):
            continue
        drafts.append(
            Draft(
                "document_date",
                found.date.iso(),
                found.date.iso(),
                start,
                end,
                f"rule:claim.{language}.dated_by_context",
                _unstated_year(found.date),
            )
        )
    return drafts


def _relative_note(words: str) -> str:
    return (
        f"'{words}' is relative to a day the report does not state for certain: "
        "not checked (verify never compares a date it had to assume)"
    )


# --------------------------------------------------------------------------- deadlines


def find_deadlines(sentence: str, context: Context) -> list[Draft]:
    """'no later than 6pm', 'не позднее 18:00 25 февраля', 'by 17:00 on Friday 4 March'."""
    language = context.language
    day_words = patterns()["deadline_days"].get(language, {})
    drafts: list[Draft] = _relative_deadlines(sentence, language)
    for cue in cues("deadline", language):
        for match in cue.finditer(sentence):
            position = match.end()
            clock = time_at(sentence[position:])
            rule = f"rule:claim.{language}.deadline"
            if clock is None:
                only_date = date_at(sentence[position:], language)
                if only_date is None:
                    continue
                date, filled = only_date.date, _unstated_year(only_date.date)
                end = position + only_date.end
                value = shown = date.iso()
                later = _time_after_date(sentence, end)
                if later is not None:  # "до 4 березня, 10:00"
                    clock_after, end = later
                    value = f"{date.iso()}T{clock_after.iso()}"
                    shown = f"{clock_after.iso()} on {date.iso()}"
                drafts.append(Draft("deadline", value, shown, match.start(), end, rule, filled))
                continue
            end = position + clock.end
            day: PartialDate | None = None
            note: str | None = None
            after = _skip(sentence, end, " ,")
            after_on = after + (3 if sentence[after : after + 3].lower() == "on " else 0)
            explicit = date_at(sentence[after_on:], language)
            relative = _relative_at(sentence[after:], day_words)
            before = _date_before(sentence, match.start(), language)
            if explicit:
                day, note = explicit.date, _unstated_year(explicit.date)
                end = after_on + explicit.end
            elif relative:
                end = after + relative[1]
                note = (
                    f"day given as '{sentence[after:end]}', relative to the report: only the "
                    "time is checked"
                )
            elif before is not None:
                day, note = before, _unstated_year(before)
            else:
                # Never the report's own date: "no later than 18:00" in a report of the next
                # morning would contradict a letter that set 18:00 the day before.
                note = "day not stated: only the time is checked"
            value = f"{day.iso()}T{clock.iso()}" if day else f"T{clock.iso()}"
            shown = f"{clock.iso()} on {day.iso()}" if day else clock.iso()
            drafts.append(Draft("deadline", value, shown, match.start(), end, rule, note))
    return drafts


def _relative_deadlines(sentence: str, language: str) -> list[Draft]:
    """'within 48 hours', 'до завтра', 'протягом доби': a deadline with no day to compare."""
    drafts = []
    for cue in cues("relative_deadlines", language):
        for match in cue.finditer(sentence):
            words = match.group(0).strip()
            drafts.append(
                Draft(
                    "deadline",
                    None,
                    words,
                    match.start(),
                    match.start() + len(match.group(0).rstrip()),
                    f"rule:claim.{language}.relative_deadline",
                    _relative_note(words),
                )
            )
    return drafts


def _time_after_date(sentence: str, end: int) -> tuple[ClockTime, int] | None:
    """A clock time right after a deadline's date ('4 березня, 10:00', '1 March at 10:00')."""
    after = _skip(sentence, end, " ,")
    joiner = re.match(r"(?:at|о|в|об|у)\s+", sentence[after:], re.IGNORECASE)
    if joiner:
        after += joiner.end()
    clock = time_at(sentence[after:])
    if clock is None:
        return None
    return clock, after + clock.end


def _date_before(sentence: str, cue_start: int, language: str) -> PartialDate | None:
    """A date ending just before the cue: '25 февраля до 18:00'."""
    window = sentence[max(0, cue_start - 40) : cue_start].rstrip(" ,")
    for start in range(len(window)):
        found = date_at(window[start:], language)
        if found and start + found.end >= len(window) - 1:
            return found.date
    return None


# --------------------------------------------------------------------------- number


def find_numbers(sentence: str, context: Context) -> list[Draft]:
    """'letter No. 30-2/И/2-2781', 'письмо № 30-2/И/2-2781'."""
    language = context.language
    token = re.compile(patterns()["number_token"])
    drafts: list[Draft] = []
    for cue in cues("number", language):
        for match in cue.finditer(sentence):
            found = token.match(sentence, match.end())
            if not found or not any(char.isdigit() for char in found.group(0)):
                continue
            value = found.group(0).rstrip(".")
            drafts.append(
                Draft(
                    "document_number",
                    value,
                    value,
                    match.start(),
                    found.start() + len(value),
                    f"rule:claim.{language}.number",
                )
            )
    return drafts


# --------------------------------------------------------------------------- organisations


def _organisation_after(sentence: str, position: int) -> tuple[str, str, int] | None:
    """(value, label, end) of a known body or a capitalised / quoted name at ``position``."""
    start = _skip(sentence, position)
    article = re.match(r"(?:the|a|an)\s+", sentence[start:], re.IGNORECASE)
    if article:
        start += article.end()
    legal = re.match(patterns()["legal_forms"], sentence[start:])
    if legal:  # "ФГБУ «Федеральный центр медицины катастроф»": the name after the form
        position = start = _skip(sentence, start + legal.end())
    known = organisation_at(sentence, start)
    if known:
        return known[0], organisation_label(known[0]), known[1]
    quoted = re.match(r"[«“\"]([^»”\"]{3,120})[»”\"]", sentence[position:].lstrip())
    if quoted:
        name = quoted.group(1).strip(" .")
        end = position + (len(sentence[position:]) - len(sentence[position:].lstrip()))
        return name, name, end + quoted.end()
    named = re.match(
        r"(?:[A-ZА-ЯЁІЇЄҐ][\w'’-]*)(?:\s+(?:(?:of|for|the|and|on)\s+)*[A-ZА-ЯЁІЇЄҐ][\w'’-]*)*",
        sentence[start:],
    )
    if named and len(named.group(0).split()) >= 2:
        name = named.group(0)
        return name, name, start + len(name)
    acronym = re.match(r"[A-ZА-ЯЁІЇЄҐ]{2,6}\b", sentence[start:])
    if acronym:  # "оплатит ВОЗ", "the EU"
        return acronym.group(0), acronym.group(0), start + acronym.end()
    return None


def find_issuers(sentence: str, context: Context) -> list[Draft]:
    """'issued by the Russian Ministry of Health', 'письмо Минздрава', 'Минздрав направил'."""
    language = context.language
    rule = f"rule:claim.{language}.issuer"
    drafts: list[Draft] = []
    for cue in cues("issued_by", language):
        for match in cue.finditer(sentence):
            start = _skip(sentence, match.end())
            if language == "en":
                found = _organisation_after(sentence, match.end())
                if found:
                    value, shown, end = found
                    drafts.append(Draft("issuer", value, shown, start, end, rule))
            else:
                known = organisation_at(sentence, start)
                if known:
                    key, end = known
                    drafts.append(Draft("issuer", key, organisation_label(key), start, end, rule))
    after_cues = cues("issuer_before", language)
    for key, start, end in organisations_in(sentence):
        if any(cue.match(sentence[end:]) for cue in after_cues):
            drafts.append(Draft("issuer", key, organisation_label(key), start, end, rule))
    acts = after_cues + cues("issuer_acts", language)
    for mention in health_ministries(sentence, language):
        # the mention says which ministry ("Региональный минздрав"): it replaces a bare alias
        drafts = [d for d in drafts if not mention.start <= d.start < mention.end]
        if any(d.start <= mention.start < d.end for d in drafts):
            continue
        asking = any(cue.match(sentence[mention.end :]) for cue in acts)
        addressed = any(
            cue.search(sentence[max(0, mention.start - 12) : mention.start])
            for cue in cues("recipient_before", language)
        )
        if (context.in_scope and not addressed) or asking:
            drafts.append(
                Draft(
                    "issuer",
                    mention.value,
                    mention.label,
                    mention.start,
                    mention.end,
                    f"rule:claim.{language}.issuer.ministry",
                )
            )
    return drafts


def _payers_by_topic(sentence: str, language: str) -> list[Draft]:
    """In a sentence about who pays, the bodies it names (ministries of health excepted)."""
    if not any(cue.search(sentence) for cue in cues("funding_topic", language)):
        return []
    ministries = set(patterns()["health_ministries"]["national"])
    rule = f"rule:claim.{language}.funding_topic"
    drafts = [
        Draft("funding_source", key, organisation_label(key), start, end, rule)
        for key, start, end in organisations_in(sentence)
        if key not in ministries
    ]
    for cue in cues("funds", language):
        for match in cue.finditer(sentence):
            name = match.group(0).strip()
            drafts.append(Draft("funding_source", name, name, match.start(), match.end(), rule))
    return drafts


def _payers_before(sentence: str, language: str) -> list[Draft]:
    """A body named right before 'will pay', 'оплатит', 'візьме на себе'."""
    drafts = []
    for cue in cues("payer_acts", language):
        for match in cue.finditer(sentence):
            head = sentence[: match.start()].rstrip()
            known = [o for o in organisations_in(head) if o[2] >= len(head) - 1]
            if known:
                key, start, end = known[-1]
                drafts.append(
                    Draft(
                        "funding_source",
                        key,
                        organisation_label(key),
                        start,
                        end,
                        f"rule:claim.{language}.payer",
                    )
                )
                continue
            name = re.search(
                r"(?:[A-ZА-ЯЁІЇЄҐ][\w'’-]*)(?:\s+(?:(?:of|for|the|and)\s+)*[A-ZА-ЯЁІЇЄҐ][\w'’-]*)*$",
                head,
            )
            if name and (len(name.group(0).split()) >= 2 or name.group(0).isupper()):
                value = name.group(0)
                drafts.append(
                    Draft(
                        "funding_source",
                        value,
                        value,
                        name.start(),
                        name.end(),
                        f"rule:claim.{language}.payer",
                    )
                )
    return drafts


def find_funding(sentence: str, context: Context) -> list[Draft]:
    """'paid by the "Federal Center of Medical Disasters"', 'за счет ФЦМК', 'the EU will pay'."""
    language = context.language
    drafts: list[Draft] = _payers_before(sentence, language)
    drafts.extend(_payers_by_topic(sentence, language))
    for cue in cues("funding", language):
        for match in cue.finditer(sentence):
            found = _organisation_after(sentence, match.end())
            if found:
                value, shown, end = found
                start = _skip(sentence, match.end())
                drafts.append(
                    Draft(
                        "funding_source",
                        value,
                        shown,
                        start,
                        end,
                        f"rule:claim.{language}.funding",
                    )
                )
    return drafts


# --------------------------------------------------------------------------- specialties


def find_specialty_claims(sentence: str, context: Context) -> list[Draft]:
    """Each requested specialty one claim; a coordinated phrase gives one per specialty.

    A bare 'surgeons' is the claim 'surgeon' (no kind stated); an occupation outside the
    taxonomy ('paediatricians') is still a claim, 'other:<words>'. Outside sentences about
    the document only plurals count: "a trauma surgeon told us" is a witness, not a request.
    """
    language = context.language
    tax = taxonomy()
    config = patterns()["generic_specialties"]
    generic = set(config["ids"])
    drafts: list[Draft] = []
    for specialty, start, end, rule in find_specialties(sentence, language):
        words = sentence[start:end]
        plural = any(is_plural(w, language) for w in re.findall(r"[^\W\d_]+", words))
        if not context.in_scope and not plural:
            continue
        value, label = specialty, tax.label(specialty, "en")
        if specialty in generic and _bare(words):
            if sentence[end : end + 1] in "-‑":
                continue  # "хирургов-комбустиологов": the compound names its own specialty
            qualified = _qualified(sentence, start, end, language)
            if qualified is None:
                value, label = str(config["bare_value"]), str(config["bare_label"])
            else:
                start, end = qualified
        drafts.append(
            Draft(
                "specialty",
                value,
                label,
                start,
                end,
                f"rule:claim.{language}.specialty.{rule}",
            )
        )
    if context.in_scope:
        drafts.extend(_other_occupations(sentence, language))
    return drafts


def _last_word(phrase: str) -> str:
    words = re.findall(r"[^\W\d_]+", phrase)
    return words[-1] if words else phrase


def _qualified(sentence: str, start: int, end: int, language: str) -> tuple[int, int] | None:
    """The span of 'врачей-хирургов' or 'хирургов общего профиля' around a bare head word."""
    config = patterns()["generic_specialties"]
    for regex in config["qualified_before"].get(language, []):
        found = re.search(regex, sentence[max(0, start - 20) : start], re.IGNORECASE)
        if found:
            return start - (len(sentence[max(0, start - 20) : start]) - found.start()), end
    for regex in config["qualified_after"].get(language, []):
        found = re.match(regex, sentence[end:], re.IGNORECASE)
        if found:
            return start, end + found.end()
    return None


def _other_occupations(sentence: str, language: str) -> list[Draft]:
    """Occupations outside the taxonomy, each a claim of its own ('other:педиатр')."""
    drafts = []
    for cue in cues("other_occupations", language):
        for match in cue.finditer(sentence):
            words = match.group(0)
            lemmas = [
                lemma_of(token.text, token.lemma_, language).lower()
                for token in lemmatise(words, language)
                if token.is_alpha
            ]
            drafts.append(
                Draft(
                    "specialty",
                    "other:" + " ".join(lemmas),
                    words,
                    match.start(),
                    match.end(),
                    f"rule:claim.{language}.specialty.other_occupation",
                    "an occupation outside verify's specialty taxonomy: looked for in the "
                    "document's text",
                )
            )
    return drafts


def _bare(phrase: str) -> bool:
    """A single word ('surgeons', 'хирургов'): a group of specialties, not one of them."""
    return len(re.findall(r"[^\W\d_]+", phrase)) == 1

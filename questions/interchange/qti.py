"""QTI 1.2 packages as Canvas writes and reads them (and Blackboard, D2L and others import).

A package is a zip: an IMS content-packaging manifest (imsmanifest.xml) and QTI 1.2 files,
here one `objectbank` (a Canvas question bank) per category. An item is a `response_lid`
choice interaction whose key is in `resprocessing` (`varequal` conditions that set the score)
and whose per-option and general feedback are `itemfeedback` blocks; Canvas's `question_type`
metadata says single choice, multiple answers or true/false. Texts are HTML (`text/html`);
the export also gives each text's Markdown as `altmaterial`, which reading prefers while the
HTML is still what that Markdown renders (an item edited elsewhere is read from its HTML).

Reading never unpacks anything to disk: members are read in memory, within size limits, and
a package with an unsafe member name, an encrypted or linked member, or too many or too large
members is refused.
"""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from questions.bankfile import BankFile, CategoryEntry, QuestionEntry
from questions.interchange import (
    TAGGED,
    ImportedBank,
    ImportedChoice,
    ImportedItem,
    Problems,
    Skipped,
    first_words,
    tags_for,
)
from questions.interchange.markup import (
    html_from_markdown,
    markdown_from,
    markdown_from_html,
    media_count,
    same_html,
)
from questions.interchange.xmlsafe import (
    child,
    children,
    descendants,
    local,
    nested_text,
    text_of,
    xml_parse,
)

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed: past this a member is a zip bomb, not a bank

_KINDS = {
    "multiple_choice_question": "single",
    "true_false_question": "true_false",
    "multiple_answers_question": "multiple",
}
_DRAFTS = ("certify-drafts", "Drafts")  # the bank for items not yet in a category


# --- the package ------------------------------------------------------------------------------


def _member_problem(info: zipfile.ZipInfo) -> str:
    return _name_problem(info.filename) or _content_problem(info)


def _name_problem(name: str) -> str:
    path = PurePosixPath(name)
    if "\\" in name or "\0" in name or name.startswith("/"):
        return "An unsafe member name."
    if ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return "A member name that leaves the package."
    return ""


def _content_problem(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x1:
        return "An encrypted member."
    if stat.S_ISLNK(info.external_attr >> 16):
        return "A symbolic link."
    if info.file_size > MAX_MEMBER_BYTES:
        return f"Larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MB unpacked."
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        return "Compressed suspiciously well (a zip bomb?)."
    return ""


def _members(data: bytes, problems: Problems) -> list[tuple[str, bytes]]:
    """The package's XML members (name, bytes), every member checked first."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        problems.error("", "", "Not a zip file (a QTI package is a .zip).")
        return []
    infos = package.infolist()
    if not _members_safe(infos, problems):
        return []
    xml = [info for info in infos if info.filename.lower().endswith((".xml", ".qti"))]
    media = len([info for info in infos if not info.is_dir()]) - len(xml)
    if media:
        problems.note(f"The package's {media} media files are left out: certify holds text.")
    return [(info.filename, package.read(info)[: MAX_MEMBER_BYTES + 1]) for info in xml]


def _members_safe(infos: list[zipfile.ZipInfo], problems: Problems) -> bool:
    """Check every member (count, names, sizes) before reading any; whether all passed."""
    if len(infos) > MAX_MEMBERS:
        problems.error("", "", f"More than {MAX_MEMBERS} members.")
        return False
    for info in infos:
        if problem := _member_problem(info):
            problems.error(info.filename, "", problem)
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        problems.error("", "", f"More than {MAX_TOTAL_BYTES // (1024 * 1024)} MB unpacked.")
    return not problems.errors


# --- reading ----------------------------------------------------------------------------------


def _markdown(material: etree._Element | None, media: list[int]) -> str:
    if material is None:
        return ""
    mattext = child(material, "mattext")
    raw = text_of(mattext)
    texttype = "text/plain" if mattext is None else mattext.get("texttype", "text/plain")
    alternatives = [
        text_of(alt)
        for alt in descendants(material, "mattext")
        if alt.get("texttype") == "text/markdown" and alt is not mattext
    ]
    if alternatives and same_html(html_from_markdown(alternatives[0]), raw):
        return alternatives[0].strip()
    if texttype == "text/html":
        media[0] += media_count(raw)
        return markdown_from_html(raw)
    return markdown_from(raw, "plain_text")


def _feedback(item: etree._Element, media: list[int]) -> dict[str, str]:
    found = {}
    for block in children(item, "itemfeedback"):
        material = next(iter(descendants(block, "material")), None)
        found[block.get("ident", "")] = _markdown(material, media)
    return found


def _chosen(condition: etree._Element) -> list[str]:
    """The response idents a condition requires chosen (not those under <not>)."""
    picked = []
    for equal in descendants(condition, "varequal"):
        negated = any(local(parent) == "not" for parent in equal.iterancestors())
        if not negated:
            picked.append(text_of(equal).strip())
    return picked


def _scores(condition: etree._Element) -> bool:
    for setvar in children(condition, "setvar"):
        try:
            if float(text_of(setvar) or 0) > 0 and setvar.get("action", "Set") in ("Set", "Add"):
                return True
        except ValueError:
            continue
    return False


@dataclass
class _Key:
    correct: set[str]
    feedback_of: dict[str, str]  # response ident -> feedback ident
    general: str  # feedback ident shown whatever the answer


def _key(item: etree._Element) -> _Key:
    key = _Key(set(), {}, "")
    for condition in descendants(item, "respcondition"):
        chosen = _chosen(condition)
        if _scores(condition):
            key.correct.update(chosen)
        for display in children(condition, "displayfeedback"):
            link = display.get("linkrefid", "")
            if descendants(condition, "other") and not chosen:
                key.general = key.general or link
            elif len(chosen) == 1:
                key.feedback_of.setdefault(chosen[0], link)
    return key


def _metadata(item: etree._Element) -> dict[str, str]:
    return {
        nested_text(field, "fieldlabel").strip(): nested_text(field, "fieldentry").strip()
        for field in descendants(item, "qtimetadatafield")
    }


def _kind(item: etree._Element, metadata: dict[str, str]) -> str | None:
    qtype = metadata.get("question_type")
    if qtype is not None:
        return _KINDS.get(qtype)
    lid = next(iter(descendants(item, "response_lid")), None)
    if lid is None:
        return None
    return "multiple" if lid.get("rcardinality", "Single") == "Multiple" else "single"


@dataclass(frozen=True)
class _Container:
    key: str
    title: str


def _container(item: etree._Element) -> _Container:
    """The question bank (or assessment, or section) an item is in: its ident and title."""
    for parent in item.iterancestors():
        if local(parent) in ("objectbank", "assessment", "section"):
            return _Container(parent.get("ident", ""), parent.get("title") or _bank_title(parent))
    return _Container("", "")


def _bank_title(bank: etree._Element) -> str:
    metadata = child(bank, "qtimetadata")
    for field in [] if metadata is None else children(metadata, "qtimetadatafield"):
        if nested_text(field, "fieldlabel").strip() == "bank_title":
            return nested_text(field, "fieldentry").strip()
    return ""


def _choices(item: etree._Element, key: _Key, media: list[int]) -> list[ImportedChoice]:
    feedback = _feedback(item, media)
    choices = []
    for label in descendants(item, "response_label"):
        ident = label.get("ident", "")
        text = _markdown(next(iter(descendants(label, "material")), None), media)
        choices.append(
            ImportedChoice(
                text, ident in key.correct, feedback.get(key.feedback_of.get(ident, ""), "")
            )
        )
    return choices


def _item(
    item: etree._Element, member: str, problems: Problems, media: list[int]
) -> ImportedItem | None:
    where = f"{member} line {item.sourceline}"
    ident, title = item.get("ident", ""), item.get("title", "")
    metadata = _metadata(item)
    kind = _kind(item, metadata)
    if kind is None:
        qtype = metadata.get("question_type", "without a choice interaction")
        problems.skipped.append(
            Skipped(where, title or ident, f"a {qtype} item (certify asks choice questions only)")
        )
        return None
    key = _key(item)
    presentation = child(item, "presentation")
    prompt = _markdown(None if presentation is None else _prompt_material(presentation), media)
    container = _container(item)
    general = _feedback(item, media).get(key.general or "general_fb", "")
    return ImportedItem(
        where=where,
        identifier=ident,
        name=title,
        category=container.title,
        kind=kind,
        prompt=prompt or first_words(title, 80),
        choices=tuple(_choices(item, key, media)),
        explanation=general,
        tags=tuple(
            (name, metadata[f"certify_{name}"])
            for name in TAGGED
            if metadata.get(f"certify_{name}")
        ),
        category_key=container.key,
    )


def _prompt_material(presentation: etree._Element) -> etree._Element | None:
    direct = child(presentation, "material")
    if direct is not None:
        return direct
    flow = child(presentation, "flow")
    return None if flow is None else child(flow, "material")


def qti_read(*, data: bytes, source: str = "QTI package") -> ImportedBank:
    """Every choice item of a QTI 1.2 package; BankInvalid lists every error (member, line)."""
    problems = Problems(source)
    members = _members(data, problems)
    problems.raise_if_any()
    items: list[ImportedItem] = []
    media = [0]
    found_qti = False
    for name, content in members:
        root = xml_parse(content, problems, name)
        if root is None or local(root) != "questestinterop":
            continue
        found_qti = True
        for element in descendants(root, "item"):
            if (item := _item(element, name, problems, media)) is not None:
                items.append(item)
    if not found_qti and not problems.errors:
        problems.error("", "", "No QTI 1.2 file (<questestinterop>) in the package.")
    if media[0]:
        problems.note(
            "Images and media in the file are left out: a question's text in certify is text."
        )
    return problems.bank("qti", items)


# --- writing ----------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{QTI_NS}}}{name}"


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrib: str
) -> etree._Element:
    element = etree.SubElement(parent, _q(name), attrib)
    if text is not None:
        element.text = text
    return element


def _field(metadata: etree._Element, label: str, entry: str) -> None:
    field = _sub(metadata, "qtimetadatafield")
    _sub(field, "fieldlabel", label)
    _sub(field, "fieldentry", entry)


def _material(parent: etree._Element, markdown: str) -> None:
    material = _sub(parent, "material")
    _sub(material, "mattext", html_from_markdown(markdown), texttype="text/html")
    _sub(_sub(material, "altmaterial"), "mattext", markdown, texttype="text/markdown")


def _question_type(entry: QuestionEntry) -> str:
    return {v: k for k, v in _KINDS.items()}.get(entry.kind, "multiple_choice_question")


def _labels(entry: QuestionEntry) -> list[str]:
    return [chr(ord("A") + index) for index in range(len(entry.choices))]


def _metadata_block(item: etree._Element, entry: QuestionEntry) -> None:
    metadata = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    _field(metadata, "question_type", _question_type(entry))
    _field(metadata, "points_possible", "1.0")
    _field(metadata, "original_answer_ids", ",".join(_labels(entry)))
    for tag in tags_for(entry):
        name, _, value = tag.partition(":")
        _field(metadata, f"certify_{name}", value)


def _presentation(item: etree._Element, entry: QuestionEntry) -> None:
    presentation = _sub(item, "presentation")
    _material(presentation, entry.prompt)
    cardinality = "Multiple" if entry.kind == "multiple" else "Single"
    lid = _sub(presentation, "response_lid", ident="response1", rcardinality=cardinality)
    render = _sub(lid, "render_choice")
    for label, choice in zip(_labels(entry), entry.choices, strict=True):
        _material(_sub(render, "response_label", ident=label), choice.text)


def _condition(parent: etree._Element, proceed: str) -> tuple[etree._Element, etree._Element]:
    condition = _sub(parent, "respcondition", **{"continue": proceed})
    return condition, _sub(condition, "conditionvar")


def _scoring(processing: etree._Element, entry: QuestionEntry) -> None:
    labels = _labels(entry)
    condition, variables = _condition(processing, "No")
    if entry.kind == "multiple":
        both = _sub(variables, "and")
        for label, choice in zip(labels, entry.choices, strict=True):
            target = both if choice.correct else _sub(both, "not")
            _sub(target, "varequal", label, respident="response1")
    else:
        for label, choice in zip(labels, entry.choices, strict=True):
            if choice.correct:
                _sub(variables, "varequal", label, respident="response1")
    _sub(condition, "setvar", "100", action="Set", varname="SCORE")


def _processing(item: etree._Element, entry: QuestionEntry) -> None:
    processing = _sub(item, "resprocessing")
    outcomes = _sub(processing, "outcomes")
    _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    if entry.explanation:
        condition, variables = _condition(processing, "Yes")
        _sub(variables, "other")
        _sub(condition, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    for label in _labels(entry):
        condition, variables = _condition(processing, "Yes")
        _sub(variables, "varequal", label, respident="response1")
        _sub(condition, "displayfeedback", feedbacktype="Response", linkrefid=f"{label}_fb")
    _scoring(processing, entry)


def _feedback_blocks(item: etree._Element, entry: QuestionEntry) -> None:
    blocks = [("general_fb", entry.explanation)] if entry.explanation else []
    blocks += [
        (f"{label}_fb", c.rationale) for label, c in zip(_labels(entry), entry.choices, strict=True)
    ]
    for ident, text in blocks:
        _material(_sub(_sub(item, "itemfeedback", ident=ident), "flow_mat"), text)


def _item_element(bank: etree._Element, entry: QuestionEntry) -> None:
    item = _sub(bank, "item", ident=entry.id, title=entry.topic or entry.id)
    _metadata_block(item, entry)
    _presentation(item, entry)
    _processing(item, entry)
    _feedback_blocks(item, entry)


def _bank_document(category: CategoryEntry | None, entries: list[QuestionEntry]) -> bytes:
    root = etree.Element(
        _q("questestinterop"),
        nsmap={None: QTI_NS, "xsi": XSI},  # type: ignore[dict-item]  # None: the default namespace
    )
    root.set(
        f"{{{XSI}}}schemaLocation", f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"
    )
    ident, title = (category.slug, category.name) if category else _DRAFTS
    bank = _sub(root, "objectbank", ident=ident)
    _field(_sub(bank, "qtimetadata"), "bank_title", title)
    for entry in entries:
        _item_element(bank, entry)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _manifest(paths: list[tuple[str, str]], note: str) -> bytes:
    root = etree.Element(
        f"{{{CP_NS}}}manifest",
        nsmap={None: CP_NS},  # type: ignore[dict-item]  # None: the default namespace
        identifier="certify-bank",
    )
    if note:
        root.append(etree.Comment(f" {note.replace('--', '-')} "))
    metadata = etree.SubElement(root, f"{{{CP_NS}}}metadata")
    etree.SubElement(metadata, f"{{{CP_NS}}}schema").text = "IMS Content"
    etree.SubElement(metadata, f"{{{CP_NS}}}schemaversion").text = "1.1.3"
    etree.SubElement(root, f"{{{CP_NS}}}organizations")
    resources = etree.SubElement(root, f"{{{CP_NS}}}resources")
    for ident, path in paths:
        resource = etree.SubElement(
            resources, f"{{{CP_NS}}}resource", identifier=ident, type="imsqti_xmlv1p2", href=path
        )
        etree.SubElement(resource, f"{{{CP_NS}}}file", href=path)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def qti_write(bank: BankFile, *, note: str = "") -> bytes:
    """The bank as a QTI 1.2 package: a question bank (objectbank) per category; `note` (what
    the format leaves out) is a comment in the manifest."""
    groups: dict[str, list[QuestionEntry]] = {}
    for entry in bank.questions:
        groups.setdefault(entry.category or "", []).append(entry)
    categories = {category.slug: category for category in bank.categories}
    buffer = io.BytesIO()
    paths = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for slug, entries in groups.items():
            category = categories.get(slug)
            ident = category.slug if category else _DRAFTS[0]
            path = f"{ident}/{ident}.xml"
            package.writestr(_fixed(path), _bank_document(category, entries))
            paths.append((ident, path))
        package.writestr(_fixed("imsmanifest.xml"), _manifest(paths, note))
    return buffer.getvalue()


def _fixed(name: str) -> zipfile.ZipInfo:
    # A fixed timestamp: the same bank makes the same package, byte for byte.
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info

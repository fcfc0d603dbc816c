"""Parsing XML that comes from outside: lxml with every risky feature off.

No DTD is loaded, no entity is expanded and nothing is fetched from the network, so entity
bombs and external entities (XXE) cannot work; a document that declares a DOCTYPE is refused
outright, since none of the formats certify reads has one. Errors carry the line and column.
"""

from __future__ import annotations

import re

from lxml import etree

from questions.interchange import Problems

MAX_XML_BYTES = 20 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def xml_parse(data: bytes, problems: Problems, where: str = "") -> etree._Element | None:
    """The document's root element, or None with the problem recorded."""
    if len(data) > MAX_XML_BYTES:
        problems.error(where, "", f"Larger than {MAX_XML_BYTES // (1024 * 1024)} MB.")
        return None
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as error:
        line, column = error.position
        message = re.sub(r",? line \d+, column \d+$", "", error.msg or "").rstrip(".")
        problems.error(
            f"{where} line {line}".strip(), f"column {column}", f"Not well-formed XML: {message}."
        )
        return None
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        problems.error(where, "", "Declares a DOCTYPE, which this format never has: refused.")
        return None
    return root


def local(element: etree._Element) -> str:
    """An element's name without its namespace."""
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if local(child) == name]


def child(element: etree._Element, name: str) -> etree._Element | None:
    return next((found for found in element if local(found) == name), None)


def descendants(element: etree._Element, name: str) -> list[etree._Element]:
    return [found for found in element.iter() if local(found) == name]


def text_of(element: etree._Element | None) -> str:
    return "" if element is None else "".join(str(part) for part in element.itertext())


def nested_text(element: etree._Element, *names: str) -> str:
    """The text of element/names[0]/names[1]/...; "" where any of them is missing."""
    found: etree._Element | None = element
    for name in names:
        found = None if found is None else child(found, name)
    return text_of(found)

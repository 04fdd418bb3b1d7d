"""The parts of a .docx/.xlsx zip, parsed with a hardened lxml parser.

The Word and Excel readers read the OOXML parts they need straight from the zip,
with nothing in between: the zip is first checked for size and encryption
(:func:`perfrules.readers.files.check_zip`), so no member can inflate past what its
central directory declares, and every part is parsed by lxml with entity
resolution, network access and huge trees off.  A part that declares a DTD (where
entity declarations live: billion laughs, external entities) is refused, as
defusedxml refuses it.

Content types and relationships are read by their local names, as openpyxl reads
them (a damaged namespace there does not hide the sheets).  Structural problems (a missing part, a relationship pointing nowhere, a number
that is no number) raise :class:`Broken`; the readers turn it, and lxml's and
zipfile's own errors, into one Chinese message naming the file.
"""

from __future__ import annotations

import posixpath
import zipfile
from typing import Any

from lxml import etree  # type: ignore[import-untyped,unused-ignore]

from perfrules.readers import files

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

def parser(*, remove_blank_text: bool = False) -> etree.XMLParser:
    """A parser that never resolves entities, never fetches, refuses huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_blank_text=remove_blank_text)


class Broken(Exception):
    """A structural problem in the package: the reader says the file is damaged."""


class Refused(Exception):
    """A part declares a DTD (entity declarations): refused before anything is read."""


def refuse_dtd(root: Any) -> None:
    """Refuse a parsed part that carries a DOCTYPE (where entities are declared)."""
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise Refused()


class Package:
    """An open OOXML zip: its member names, content types and relationships."""

    def __init__(self, zf: zipfile.ZipFile, xml_parser: etree.XMLParser) -> None:
        self.zip = zf
        self.names = frozenset(zf.namelist())
        self.parser = xml_parser
        self._types: tuple[dict[str, str], dict[str, str]] | None = None
        self.overrides: list[tuple[str, str]] = []  # (part name as written, content type), in order

    def read(self, name: str) -> bytes:
        """A member's bytes (its size was bounded by check_zip)."""
        if name not in self.names:
            raise Broken(f"缺少 {name}")
        return self.zip.read(name)

    def xml(self, name: str, xml_parser: etree.XMLParser | None = None) -> Any:
        """A member parsed into an element tree, DTDs refused."""
        root = etree.fromstring(self.read(name), xml_parser or self.parser)
        refuse_dtd(root)
        return root

    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """(extension → type, part name → type), both keys lower-case, as OPC matches them."""
        if self._types is None:
            root = self.xml("[Content_Types].xml")
            defaults = {str(e.get("Extension", "")).lower(): str(e.get("ContentType", ""))
                        for e in root.iterchildren("{*}Default")}
            self.overrides = [(str(e.get("PartName", "")), str(e.get("ContentType", "")))
                              for e in root.iterchildren("{*}Override")]
            overrides = {name.lower(): kind for name, kind in self.overrides}
            self._types = (defaults, overrides)
        return self._types

    def content_type(self, part: str) -> str | None:
        """The content type of ``/word/document.xml``-style *part* (override, then extension)."""
        defaults, overrides = self.content_types()
        found = overrides.get(part.lower())
        if found is None:
            found = defaults.get(posixpath.splitext(part)[1][1:].lower())
        return found

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, member name) of *part* (``""`` for the package).

        Targets are resolved against the part's folder, as OPC does; external targets
        are left out.  No relationships file: no relationships.
        """
        folder, base = posixpath.split(part)
        name = posixpath.join(folder, "_rels", base + ".rels")
        if name not in self.names:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for rel in self.xml(name).iterchildren("{*}Relationship"):
            if rel.get("TargetMode") == "External":
                out[str(rel.get("Id", ""))] = (str(rel.get("Type", "")), "")  # no member: skipped
                continue
            target = str(rel.get("Target", ""))
            if target.startswith("/"):
                member = target[1:]
            else:
                member = posixpath.normpath(posixpath.join(folder, target))
            out[str(rel.get("Id", ""))] = (str(rel.get("Type", "")), member)
        return out


def open_package(path: str, what: str, xml_parser: etree.XMLParser,
                 opened: zipfile.ZipFile | None = None) -> tuple[zipfile.ZipFile, Package]:
    """Open the zip (or take *opened*, the zip already open), then check it (size,
    entries, encryption)."""
    zf = files.open_checked_zip(path, what, opened)
    return zf, Package(zf, xml_parser)


def local(tag: Any) -> str:
    """An element's tag without its namespace ("" for comments and processing instructions)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

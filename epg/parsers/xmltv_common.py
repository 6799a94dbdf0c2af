"""xmltv_common: a universal XMLTV parser. URL mask: the XMLTV URL (plain, .gz or .zip,
recognised by content). See epg/parsers/_xmltv.py for options."""

from ._xmltv import XmltvParser


class EpgParser(XmltvParser):
    """XMLTV downloaded from EpgSource.url."""

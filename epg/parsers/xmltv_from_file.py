"""xmltv_from_file: XMLTV from a file on the server (plain, .gz or .zip). URL mask: the path;
a relative path is relative to the project directory. Same options as xmltv_common, e.g.
{"shift_to_today": true} for sample guides whose dates are in the past."""

from ._xmltv import XmltvParser


class EpgParser(XmltvParser):
    """XMLTV read from the path in EpgSource.url (an http(s) URL works too)."""

    allow_local = True

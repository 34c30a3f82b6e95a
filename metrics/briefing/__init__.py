"""The quarterly briefing (通报) and the warning notices (预警通知单) as Word documents.

Pure domain code: it takes the facts read once by `db.remedies.briefing_facts` (the status
frame of the same `evaluate` the dashboard shows, the causes and remedies, the reporting
gaps) and returns the bytes of .docx files; charts are PNG images drawn with matplotlib.
A PDF is made from the .docx by LibreOffice where it is installed (`to_pdf`).
"""

from metrics.briefing.document import build_briefing
from metrics.briefing.facts import BriefingFacts, Scope, scope_rows
from metrics.briefing.notices import build_notice, build_notices, notice_units, notices_zip
from metrics.briefing.pdf import find_converter, to_pdf

__all__ = [
    "BriefingFacts",
    "Scope",
    "build_briefing",
    "build_notice",
    "build_notices",
    "find_converter",
    "notice_units",
    "notices_zip",
    "scope_rows",
    "to_pdf",
]

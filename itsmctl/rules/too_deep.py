"""Lists and mappings are nested more than 64 levels deep.

No record needs that depth; deeply nested input is a classic way to crash
parsers (libyaml's composer recurses once per level). The file is refused.
"""

from itsmctl.findings import Severity

ID = "too-deep"
SEVERITY = Severity.ERROR

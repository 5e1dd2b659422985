"""How the workflow counts, by version, for the contracts begun under each.

1: a préavis ended the day before its anniversary and the renegotiation opened the day after
the last day to give notice. 2 (2026-11): a préavis ends on the day bearing the same number N
months later (CPC art. 641), the renegotiation opens at the end of the last day to give notice,
the yearly budget cycle is reminded (EPRD, tarification, subsidy avenant), and a denounced EPRD
contract returns to the contradictory procedure. 3 (2026-12): the days given to send the EPRD
from a late notification of the year's resources, ending on a day off, end on the next working
day (CPC art. 642; found by probing: due on a Saturday).
"""

CALENDAR_LAW = 3

"""Commands run as the gateway's own user would run them, when the tests run as root.

Root writes a file whatever its mode (``CAP_DAC_OVERRIDE``), so a test of what a read-only file
or folder does runs its command without that capability: ``setpriv`` (util-linux, in every
Debian) drops it from the bounding set, and a program it starts as root then has file modes
applied to it. As any other user, the command runs as it is.
"""

from __future__ import annotations

import os

WITHOUT_ROOTS_OVERRIDE = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []
)

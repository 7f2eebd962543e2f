"""storyloom, the top floor: the CLI, the daemon, the pipeline and the demo.

Importing it checks first that the top-level packages it uses are its own
(storyloom/packages.py), so a shadowing package fails here with a clear message.
"""

from storyloom.packages import check_own_packages

check_own_packages()

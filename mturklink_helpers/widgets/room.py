"""On a workshop's JupyterHub: may this learner's notebooks tell the instructors how far they
are? Says plainly what is sent and to whom (room.py); off a hub, that nothing is."""

from __future__ import annotations

import ipywidgets as widgets

from .. import room
from .base import Form

WHAT_IS_SENT = (
    "On a workshop's JupyterHub, your notebooks tell the hub's admins (your instructors), in "
    "their room view: which steps you have done, the step you are on, the doctor's last "
    "verdict in a few words (such as “step 3 missing: sandbox not registered”) and when. "
    "Never a key, a secret or an account number. It helps them see who needs a hand.")


class RoomReports(Form):
    def __init__(self, *, kit=None):
        # What is sent matters only where something can be: off a hub, one line says so.
        super().__init__("Your progress in the instructors' room view",
                         WHAT_IS_SENT if room.on_hub() else "", kit=kit)
        self.send = widgets.Checkbox(value=room.enabled(self.kit),
                                     description="Send my progress to the instructors")
        self.add_inputs(self.send)
        if room.on_hub():
            self.send.observe(self._chosen, names="value")
            self._say()
        else:
            # Nothing to choose, so nothing shown (a learner alone has no room to think of);
            # the status still says why, for whoever inspects the form.
            self.layout.display = "none"
            self.set_status("info", "this is not a workshop hub: nothing is sent anywhere.")

    def _chosen(self, change) -> None:
        room.set_enabled(self.kit, change["new"])
        if change["new"]:
            room.report(self.kit)  # the room sees where you are now
        self._say()

    def _say(self) -> None:
        if self.send.value:
            self.succeed("your progress goes to the instructors' room view on this hub. Untick "
                         "the box to stop.")
        else:
            self.succeed("nothing is sent to the instructors' room view. Tick the box to send "
                         "your progress again.")

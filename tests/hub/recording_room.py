"""The room view as deploy/jupyterhub runs it, keeping every report as it arrived (the raw
body, and whom the hub said sent it) in ``$MTURKLINK_ROOM_RECORD``: what the hub test scans
for secrets, key ids and account ids. Started by tests/hub/hub.py's hubs in place of
``python -m mturklink_helpers.room_service``."""

from __future__ import annotations

import json
import os

from mturklink_helpers import room_service


class RecordingReportHandler(room_service.ReportHandler):
    def post(self):
        user = self.current_user
        with open(os.environ["MTURKLINK_ROOM_RECORD"], "a", encoding="utf-8") as record:
            record.write(json.dumps({"sender": user["name"] if user else None,
                                     "body": self.request.body.decode("utf-8", "replace")}) + "\n")
        return super().post()


if __name__ == "__main__":
    room_service.main(RecordingReportHandler)

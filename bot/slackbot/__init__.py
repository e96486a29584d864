"""Slack slash commands (``/tjwatch digest|summary|latest|search``) through slack_bolt."""

"""The agents' web app: queue, live conversation, replies and AI suggestions (built on handoff/)."""

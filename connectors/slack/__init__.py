"""Slack: the Events API and interactivity through slack-bolt's AsyncApp mounted in the
gateway (or Socket Mode for development); replies through slack_sdk's AsyncWebClient."""

"""The Slack adapter: `/study <command>` on slack-bolt's AsyncApp, a check-in modal, an App Home, DMs."""

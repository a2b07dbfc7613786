"""The Discord adapter: slash commands on discord.py's app_commands, embeds, DMs through the notifier."""

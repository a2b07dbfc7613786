"""Adapters: translate platform events into core commands and core replies into platform messages."""

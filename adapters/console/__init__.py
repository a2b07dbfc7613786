"""The console adapter: the whole bot in a terminal, interactive or driven by a transcript."""

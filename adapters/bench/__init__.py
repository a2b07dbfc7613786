"""`studybot bench`: speed measured side by side with what the database alone can do on this machine."""

"""Baton's command line: set-up checks, training the bot, and running the whole stack."""

"""`hotel`: the command-line tool for a first look and for day-to-day operations."""

"""Score today's open deals with the champions and explain each score in a rep's words."""

"""The offline investigator: evidence analysis and step writers that need no network."""

"""tmail: a terminal mail reader for throwaway Temp Mail addresses."""

__version__ = "0.1.0"

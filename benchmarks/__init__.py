"""`make bench`: the performance targets of the reader, each against a baseline measured in the same run."""

"""Base class of the domain's named errors; the pipeline turns them into polite replies."""


class DomainError(Exception):
    """A business rule said no (unknown reward, not enough points, …); never a bug."""

"""Base class of the domain's named errors; the pipeline turns them into polite replies."""


class DomainError(Exception):
    """A business rule said no (unknown reward, not enough points, …); never a bug.

    `str(error)` is a sentence for people (staff at the command line, the shop's API, import reports):
    the message given where it was raised, or else the first line of the subclass's docstring.
    """

    def __str__(self) -> str:
        message = super().__str__()
        if message:
            return message
        summary = (type(self).__doc__ or type(self).__name__).strip().splitlines()[0]
        return summary.rstrip(".")

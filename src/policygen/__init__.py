"""policygen: Chinese outsourcing governance documents from one validated profile."""

from policygen.errors import PolicygenError

__version__ = "0.1.0"

__all__ = ["PolicygenError", "__version__"]

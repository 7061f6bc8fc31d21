"""The HTTP API: the pull engine's verbs and reads over HTTP, for a team's server.

``create_app(db_url)`` makes the FastAPI application; ``serve`` runs it with uvicorn.
"""

from pullflow.api.app import create_app

__all__ = ["create_app"]

"""The HTTP API (FastAPI): every operation over REST under `/api/v1`, made by `create_app`."""

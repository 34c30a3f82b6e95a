"""The read-only JSON API (`python -m metrics api`): an ASGI app over db/, served by uvicorn."""

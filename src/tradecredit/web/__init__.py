"""The web dashboard: server-rendered pages (Jinja2 + htmx) over the same services as the API and the CLI.

``routes.install(app)`` adds the pages and ``/static`` to the FastAPI application that serves the API.
"""

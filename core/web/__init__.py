"""Server-rendered pages: login, dashboard, residents, public home."""

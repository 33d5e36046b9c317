"""The browser tests run under Playwright (``npm test``), not pytest: keep pytest's doctest collection away
from the server helpers here."""

collect_ignore = ["serve.py", "jupyter_server_config.py"]

"""The read-only web archive and the feeds out: server-rendered pages (Jinja2, no JavaScript),
``/feed.atom``, ``/feed.json``, ``/trend.svg``, ``/health``; an aiohttp application run inside
``tjwatch run`` when ``[web] port`` or ``WEB_PORT`` is set. Handlers parse the query, call a
service (``bot.archive``, ``bot.reads``, ``bot.digest``), render, answer."""

"""The web app: review, approve and follow up in a browser (``relance web``).

``app.py`` builds the ASGI app; ``security.py`` says who is asking and what they may see;
``rendering.py`` and ``i18n.py`` make the pages, in French or English; ``pages/`` holds one
module per screen; ``templates/``, ``static/`` and ``locale/`` ship in the wheel.
"""

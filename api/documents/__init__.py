"""Documents for the person over HTTP: the templates and print stylesheet, HTML and PDF rendering
(``render.py``) and the endpoints (``router.py``). The documents themselves are ``domain/documents``."""

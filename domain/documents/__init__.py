"""Documents for the person (Care Act 2014 s.13, s.25, s.26, and the reasons for decisions), made
from the case's recorded events only: a function per kind of document, each returning a typed
``Document`` (``model.py``) that ``api/documents`` renders as HTML and PDF.

This package imports nothing at its top so that the rulebook can read ``availability`` (which
documents a case can give) without importing the event classes the documents read.
"""

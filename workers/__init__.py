"""Process entry points and the composition root: settings in, wired objects out."""

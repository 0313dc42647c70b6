"""The shared vocabulary at the bottom of Wijkkennis: records, taxonomy, settings, reference data,
gold-file reading and the tag scoring that training and evaluation share.

Nothing here imports ``pipeline``, ``index`` or the application (``wijkkennis``, ``app_pages``,
``bench``); the layer contracts in ``pyproject.toml`` (``lint-imports``) keep it that way.
"""

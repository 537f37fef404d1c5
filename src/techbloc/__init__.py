"""techbloc: design and stress-test technology alliances under deep uncertainty.

The public API is small and typed. Its names are listed once, in ``__init__.pyi`` beside
this file, and imported on first use (``lazy_loader.attach_stub``, Scientific Python
SPEC 1), so ``import techbloc`` is cheap and has no side effects. Set ``EAGER_IMPORT=1``
to import every name at once (a check that the stub and the modules agree).
"""

import lazy_loader

__version__ = "0.3.0"

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

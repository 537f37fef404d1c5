"""Decision analysis on results: robustness, scenario discovery, sensitivity, coalition
search, stability and Shapley attribution.

The public names are listed once, in ``__init__.pyi`` beside this file, and imported on
first use (``lazy_loader.attach_stub``), so ``import techbloc.analysis`` is cheap and heavy
libraries (scikit-learn, SALib, pymoo) load only when a function needs them.

``techbloc.analysis.sensitivity``, ``.stability`` and ``.shapley`` are the functions of
those names; import their modules with ``from techbloc.analysis.sensitivity import ...``.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

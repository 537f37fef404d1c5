"""Decision analysis on results: robustness, scenario discovery, sensitivity, coalition
search, stability and Shapley attribution.

Submodules are imported on demand; nothing heavy happens at import.
"""

from __future__ import annotations

__all__: list[str] = []

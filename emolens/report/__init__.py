"""Figures and the offline HTML report."""

from .html import Report, figure_to_base64

__all__ = ["Report", "figure_to_base64"]

"""Figures for files and pages, drawn from flow results (Vega-Lite, rendered offline)."""

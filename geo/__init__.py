"""Machinery of the flood-recovery tracker: CRS, database, analysis, import/export, CLI.

Nothing here knows a particular layer or Streamlit; layers/ builds on it.
"""

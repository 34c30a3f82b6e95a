"""Streamlit pages: read through db/, compute through metrics/, draw with plotly."""

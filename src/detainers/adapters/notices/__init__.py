"""Printable notices to the person: Jinja2 text templates laid out as PDF pages with fpdf2."""

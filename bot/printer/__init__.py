"""Printed post: letters and home-visit cards as print-ready PDF (`bot.printer.pdf`)."""

"""scheduler room."""

"""desk room."""

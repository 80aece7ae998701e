"""The monitor: what reaches residents, the national DDAS delivery, partner feedback."""

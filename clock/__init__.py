"""Time for Zaadje: the municipality's calendar and the clock. Imports nothing of ours."""

from clock.calendar import DAYPARTS, Calendar, ContactHours
from clock.clock import Clock, FixedClock, SystemClock

__all__ = ["DAYPARTS", "Calendar", "Clock", "ContactHours", "FixedClock", "SystemClock"]

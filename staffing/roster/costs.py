"""The roster objective's weights, in penalty points.

In the order they weigh: an unassigned paid hour > a missed minimum shift > an hour under
contract > no two consecutive days off > a weekend or night shift above the fair share.
"""

UNASSIGNED_HOUR_COST = 100.0  # per paid hour of a plan's shift left without an agent
MIN_SHIFT_COST = 50.0  # per shift below the agent's min_shifts
HOUR_SHORT_COST = 20.0  # per paid hour below contract_hours_per_week - contract_tolerance_hours
SPLIT_DAYS_OFF_COST = 5.0  # per agent without two consecutive days off (roster.prefer_consecutive_days_off)
UNFAIR_SHIFT_COST = 2.0  # per weekend (night) shift above the agent's fair share
# the greedy start only: charge hours above contract, so that part-timers leave shifts for
# the agents after them (the local search may still give them those hours)
GREEDY_OVERTIME_HOUR_COST = HOUR_SHORT_COST

"""Generate ``data/agents.csv``: the named agents of the sample desk, for ``shiftcast roster``.

150 agents of the 24/7 crypto-wallet desk in ``data/shiftcast.toml`` (queues chat_en,
chat_zh, email, voice_en): skill mixes typical of a blended desk (most agents work two
queues; Chinese speakers cover chat_zh), full-time 40 h contracts and some 30 h and 20 h
part-timers, a few agents who never work weekends, and some leave days in the sample
forecast's first week. Run ``python scripts/generate_agents.py``; the seed is fixed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261124
AGENTS = 150
DATA = Path(__file__).resolve().parent.parent / "data"
FIRST_WEEK = pd.date_range("2026-11-16", periods=7, freq="D")

# (skills, languages, share of agents)
PROFILES = [
    ("chat_en;email", "en", 0.30),
    ("chat_en;voice_en", "en", 0.15),
    ("chat_zh;chat_en", "zh;en", 0.15),
    ("chat_zh;email", "zh;en", 0.10),
    ("voice_en;email", "en", 0.10),
    ("email", "en", 0.10),
    ("chat_en;chat_zh;email", "en;zh", 0.10),
]
# (contract hours per week, min shifts, max shifts, share of agents)
CONTRACTS = [(40, 4, 5, 0.70), (30, 3, 5, 0.15), (20, 2, 4, 0.15)]
FIRST_NAMES = ["Maria", "Luca", "Wei", "Anna", "Joseph", "Mei", "Daniel", "Sara", "Jun", "Elena", "Mark", "Lin",
               "Paul", "Chiara", "Hao", "Rita", "Karl", "Yan", "Nadia", "Ivan"]
LAST_INITIALS = list("ABCDEFGHJKLMNPRSTVWZ")


def main() -> None:
    rng = np.random.default_rng(SEED)
    names = [f"{first} {last}." for last in LAST_INITIALS for first in FIRST_NAMES]
    chosen = rng.choice(len(names), AGENTS, replace=False)
    profile = rng.choice(len(PROFILES), AGENTS, p=[p[2] for p in PROFILES])
    contract = rng.choice(len(CONTRACTS), AGENTS, p=[c[3] for c in CONTRACTS])
    unavailable = []
    for _ in range(AGENTS):
        draw = rng.random()
        if draw < 0.10:
            unavailable.append("sat;sun")
        elif draw < 0.25:
            unavailable.append(FIRST_WEEK[rng.integers(7)].strftime("%Y-%m-%d"))
        else:
            unavailable.append("")
    frame = pd.DataFrame({
        "agent": [names[i] for i in chosen],
        "contract_hours_per_week": [CONTRACTS[c][0] for c in contract],
        "min_shifts": [CONTRACTS[c][1] for c in contract],
        "max_shifts": [CONTRACTS[c][2] for c in contract],
        "skills": [PROFILES[p][0] for p in profile],
        "languages": [PROFILES[p][1] for p in profile],
        "unavailable_days": unavailable,
    }).sort_values("agent")
    frame.to_csv(DATA / "agents.csv", index=False)


if __name__ == "__main__":
    main()

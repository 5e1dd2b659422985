"""Benchmark: calendars of generated contracts per second on one core, and peak memory.

    python3 dev.py bench [--contracts N] [--seed S]

Target (issue 2): at least 20,000 contracts per second on one core of a 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta

from cpom.domain.calendar import build_calendar
from cpom.domain.date_law import add_months, echeance_after
from cpom.domain.presets import PRESETS
from cpom.domain.terms import Authority, ContractTerms, Gestionnaire, Sector
from cpom.domain.terms_validation import check_terms

TERRITORIES = ["35", "44", "57", "67", "69", "75", "2A", "971", "972", "973", "974", "976"]


def generate(count: int, seed: int) -> list[tuple[ContractTerms, date | None]]:
    """Varied, valid contracts: every sector, territories with their holidays, some unsigned,
    a quarter with a prorogation notice awaiting an answer."""
    rng = random.Random(seed)
    contracts = []
    for index in range(count):
        sector = rng.choice(list(Sector))
        preset = PRESETS[sector]
        effet = date(2018, 1, 1) + timedelta(days=rng.randrange(365 * 12))
        years = rng.randint(2, 5)
        rules = preset.rules
        if rng.random() < 0.3:
            rules = replace(rules, prorogation_reply_months=1, prorogation_reply_target_months=None)
        signed = rng.random() < 0.8
        terms = ContractTerms(
            reference=f"CPOM-BENCH-{index:06d}",
            sector=sector,
            authority=Authority(preset.authority_kind, "Autorité", rng.choice(TERRITORIES)),
            gestionnaire=Gestionnaire("Gestionnaire", "contact@example.org"),
            effet=effet,
            duration_years=years,
            echeance=echeance_after(effet, years),
            rules=rules,
            signed=signed,
        )
        notice = None
        if rng.random() < 0.25:
            deadline = add_months(terms.echeance, -rules.prorogation_notice_months)
            notice = deadline - timedelta(days=rng.randrange(90))
        contracts.append((check_terms(terms), notice))
    return contracts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over all contracts")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    started = time.perf_counter()
    contracts = generate(args.contracts, args.seed)
    generated = time.perf_counter() - started
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    rates = []
    milestones = 0
    for _ in range(args.rounds):
        gc.collect()
        milestones = 0
        started = time.perf_counter()
        for terms, notice in contracts:
            milestones += len(build_calendar(terms, notice).milestones)
        rates.append(args.contracts / (time.perf_counter() - started))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    print(f"contracts:              {args.contracts:,} ({generated:.1f} s to generate)")
    print(
        f"milestones computed:    {milestones:,} ({milestones / args.contracts:.1f} per contract)"
    )
    print(
        f"contracts per second:   {statistics.median(rates):,.0f} median of {args.rounds} "
        f"passes, best {max(rates):,.0f}, worst {min(rates):,.0f} (one core; target ≥ 20,000)"
    )
    print(
        f"peak memory (RSS):      {rss_after / 1024:.0f} MiB "
        f"({rss_before / 1024:.0f} MiB of it holds the generated contracts)"
    )


if __name__ == "__main__":
    main()

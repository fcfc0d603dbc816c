"""Simulators and benchmark drivers: not an installed app, no models.

The product never imports this package; the commands that run a benchmark import it when they
run (simulate_adaptive: `bench.adaptive`, `bench.adaptive_report`).
"""

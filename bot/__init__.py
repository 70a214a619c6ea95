"""Lantern: a helper bot for families of people who use heroin and live with depression, and for
people in recovery. The core (`bot.core.Lantern`) is transport-agnostic; `bot.telegram` and
`bot.console` are front ends over it."""

__version__ = "0.1.0"

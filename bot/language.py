"""Placeholder until the Spanish branch lands (replaced at merge)."""


def looks_spanish(text: str) -> bool:
    return False

"""Which e-mail addresses are real: mail goes only to an address a person gave.

A walk-in who gave no address is stored under a made-up, unique address in a domain
that can never receive mail (RFC 2606 `.invalid`), so that a person's address stays
unique. Every mail path and every "N people get a mail" count asks `has_real_address`.
"""
PLACEHOLDER_DOMAIN = "walk-in.invalid"


def placeholder_address(local_part: str) -> str:
    """The made-up address of a person who gave none."""
    return f"{local_part}@{PLACEHOLDER_DOMAIN}"


def has_real_address(email: str | None) -> bool:
    """True if the address is one a person gave (not empty, not a walk-in placeholder)."""
    if not email or "@" not in email:
        return False
    return email.rsplit("@", 1)[-1].casefold() != PLACEHOLDER_DOMAIN

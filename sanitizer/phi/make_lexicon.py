"""Build the shipped name lexicon from Faker's person providers (development-time tool).

Run once when updating the lexicon: `python -m sanitizer.phi.make_lexicon` (needs `faker`,
which is not a runtime dependency). It writes data/first_names.txt and data/last_names.txt:
upper-case ASCII tokens, one a line. Faker's lists are public name frequency lists (census
and national statistics offices), so they hold no patient data.
"""
from __future__ import annotations

import importlib
import pkgutil
import unicodedata
from pathlib import Path

DATA = Path(__file__).parent / "data"

# Latin-script locales plus the romanized lists some non-Latin locales carry.
_FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary",
                "first_romanized_names", "first_romanized_names_male", "first_romanized_names_female")
_LAST_ATTRS = ("last_names", "last_romanized_names")


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper().strip()


def _tokens(values) -> set[str]:
    out: set[str] = set()
    items = values.keys() if isinstance(values, dict) else values
    for value in items:
        for part in str(value).replace("-", " ").split():
            token = _fold(part).strip(".'")
            if len(token) >= 2 and token.isalpha():
                out.add(token)
    return out


def build() -> tuple[set[str], set[str]]:
    import faker.providers.person as person

    firsts: set[str] = set()
    lasts: set[str] = set()
    for info in pkgutil.iter_modules(person.__path__):
        module = importlib.import_module(f"faker.providers.person.{info.name}")
        provider = getattr(module, "Provider", None)
        if provider is None:
            continue
        for attr in _FIRST_ATTRS:
            if hasattr(provider, attr):
                values = getattr(provider, attr)
                if _is_latin(values):
                    firsts |= _tokens(values)
        for attr in _LAST_ATTRS:
            if hasattr(provider, attr):
                values = getattr(provider, attr)
                if _is_latin(values):
                    lasts |= _tokens(values)
    return firsts, lasts


def _is_latin(values) -> bool:
    if not isinstance(values, (dict, list, tuple, set, frozenset)):
        return False
    items = list(values.keys() if isinstance(values, dict) else values)[:50]
    latin = sum(1 for v in items if all(ord(c) < 0x250 for c in str(v)))
    return bool(items) and latin >= 0.9 * len(items)


def main() -> None:
    firsts, lasts = build()
    DATA.mkdir(exist_ok=True)
    (DATA / "first_names.txt").write_text("\n".join(sorted(firsts)) + "\n")
    (DATA / "last_names.txt").write_text("\n".join(sorted(lasts)) + "\n")
    print(f"first names {len(firsts)}, last names {len(lasts)}")


if __name__ == "__main__":
    main()

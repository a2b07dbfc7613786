"""Time zones from what people type: one ranking that `timezone set` (and a cohort's `timezone`) and
Discord's autocomplete both use, so the first suggestion is the same wherever it is asked.

What is typed is read loosely: case, accents (`são paulo`), spaces, `_` and `-` alike (`new york`,
`port au prince`), `.` and `'` ignored (`St. John's`). The ranking, best first:

0. the IANA name itself (`Europe/Berlin`, `europe/berlin`, `America/New York`);
1. a name from `ALIASES` (`Bangalore` → `Asia/Kolkata`, `NYC` → `America/New_York`);
2. a city that is the last part of a zone name (`Berlin`, `Kolkata`, `Buenos Aires`);
3. cities and aliases that begin with it (`berl`, `bang`);
4. zone names that contain it (`york`, `europe/`, `argentina`);
5. cities, aliases and names spelled almost alike (`berln`, `kolkatta`, `Europe/Berln`).

Tiers 0–2 are answers, not guesses: `find_zone` takes the first of them, unless an area was typed with a
city it does not hold (`America/Berlin`) or the city is a direction or a region rather than a place
(`North`, `Central`, `Victoria`, ...); everything else is a suggestion.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from zoneinfo import available_timezones

# Big cities that are not the last part of a zone name, a few common abbreviations and single-zone
# countries people type instead of a city. Keep it small: anything in tzdata is found without it.
ALIASES: dict[str, str] = {
    # South Asia
    "Bangalore": "Asia/Kolkata", "Bengaluru": "Asia/Kolkata", "Mumbai": "Asia/Kolkata",
    "Bombay": "Asia/Kolkata", "Delhi": "Asia/Kolkata", "New Delhi": "Asia/Kolkata",
    "Chennai": "Asia/Kolkata", "Hyderabad": "Asia/Kolkata", "Pune": "Asia/Kolkata", "India": "Asia/Kolkata",
    "Lahore": "Asia/Karachi", "Islamabad": "Asia/Karachi",
    # East and South-East Asia
    "Beijing": "Asia/Shanghai", "Shenzhen": "Asia/Shanghai", "Guangzhou": "Asia/Shanghai",
    "China": "Asia/Shanghai", "Osaka": "Asia/Tokyo", "Hanoi": "Asia/Bangkok",
    "Saigon": "Asia/Ho_Chi_Minh", "Istanbul": "Europe/Istanbul",
    # North America
    "NYC": "America/New_York", "New York City": "America/New_York", "Boston": "America/New_York",
    "Washington": "America/New_York", "DC": "America/New_York", "Miami": "America/New_York",
    "Atlanta": "America/New_York", "Montreal": "America/Toronto",
    "Houston": "America/Chicago", "Dallas": "America/Chicago", "Austin": "America/Chicago",
    "SF": "America/Los_Angeles", "San Francisco": "America/Los_Angeles", "LA": "America/Los_Angeles",
    "Seattle": "America/Los_Angeles", "San Diego": "America/Los_Angeles", "Hawaii": "Pacific/Honolulu",
    # South America
    "Rio de Janeiro": "America/Sao_Paulo", "Rio": "America/Sao_Paulo", "Brasilia": "America/Sao_Paulo",
    # Europe, Africa, Oceania
    "UK": "Europe/London", "Manchester": "Europe/London", "Edinburgh": "Europe/London",
    "Munich": "Europe/Berlin", "Frankfurt": "Europe/Berlin", "Hamburg": "Europe/Berlin",
    "Barcelona": "Europe/Madrid", "Milan": "Europe/Rome", "Geneva": "Europe/Zurich",
    "St Petersburg": "Europe/Moscow", "Cape Town": "Africa/Johannesburg", "Abu Dhabi": "Asia/Dubai",
    "Wellington": "Pacific/Auckland",
}
# Last parts of zone names that name a direction or a region, not a place one lives in: suggested, never
# taken alone (`timezone set Victoria` could mean British Columbia as well as Australia).
NOT_PLACES = frozenset({"act", "lhi", "nsw", "north", "south", "east", "west", "central", "eastern", "mountain",
                        "pacific", "atlantic", "general", "continental", "victoria", "yancowinna"})
# Offered before anything is typed (Discord's autocomplete on an empty option).
COMMON = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles",
          "America/Sao_Paulo", "Asia/Kolkata", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney")
GEOGRAPHIC = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
                        "Indian", "Pacific"})
FUZZY_CUTOFF = 0.75

_DROPPED = re.compile(r"['’.,]")
_SEPARATORS = re.compile(r"[\s_\-]+")


def zone_key(text: str) -> str:
    """What is typed, folded for comparison: `São Paulo` → `sao_paulo`, `America/Port-au-Prince` →
    `america/port_au_prince`."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return _SEPARATORS.sub("_", _DROPPED.sub("", plain)).strip("_")


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every IANA zone by its key."""
    return {zone_key(name): name for name in sorted(available_timezones())}


@lru_cache(maxsize=1)
def _cities() -> dict[str, tuple[str, ...]]:
    """Zone names by the key of their last part, the usual name first (`buenos_aires`:
    America/Argentina/Buenos_Aires before the older America/Buenos_Aires)."""
    found: dict[str, list[str]] = {}
    for key, name in _names().items():
        if "/" in name and not name.startswith("Etc/"):
            found.setdefault(key.rsplit("/", 1)[-1], []).append(name)
    return {city: tuple(sorted(names, key=_preference)) for city, names in found.items()}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    return {zone_key(alias): zone for alias, zone in ALIASES.items()}


@lru_cache(maxsize=1)
def _by_preference() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(_names().items(), key=lambda item: _preference(item[1])))


def _preference(name: str) -> tuple[bool, int, str]:
    """Geographic areas before legacy ones (`US/Pacific`), deeper names before their old short links."""
    return (name.split("/", 1)[0] not in GEOGRAPHIC, -name.count("/"), name)


def all_zone_names() -> list[str]:
    return sorted(_names().values())


def suggest_zones(text: str, limit: int = 3) -> list[str]:
    """The zones meant by `text`, best first (see the module's ranking); the common zones for nothing typed."""
    key = zone_key(text)
    if not key:
        return [name for name in COMMON if name in _names().values()][:limit]
    return [name for _, name in islice(_ranked(key), limit)]


def find_zone(text: str) -> str | None:
    """The zone `text` names without doubt: an IANA name, an alias, or a city that is a place (the
    usual name where tzdata has several for it, `Buenos Aires` → America/Argentina/Buenos_Aires)."""
    key = zone_key(text)
    tier, name = next(_ranked(key), (None, None)) if key else (None, None)
    if tier is None or tier > 2:
        return None
    if tier > 0 and ("/" in key or key in NOT_PLACES):  # `America/Berlin` names no zone; `Victoria` two places
        return None
    return name


def _ranked(key: str) -> Iterator[tuple[int, str]]:
    """(tier, zone) for a folded, non-empty `key`, best first, each zone once; lazily, so the spelling
    comparisons run only when the tiers before them leave room."""
    seen: set[str] = set()
    for tier, names in enumerate(_tiers(key)):
        for name in names:
            if name not in seen:
                seen.add(name)
                yield tier, name


def _tiers(key: str) -> Iterator[Iterable[str]]:
    names, cities, aliases = _names(), _cities(), _aliases()
    city = key.rsplit("/", 1)[-1]
    yield [names[key]] if key in names else []
    yield [aliases[city]] if city in aliases else []
    yield cities.get(city, ())
    starts = [(name, c) for c, found in cities.items() if c.startswith(city) for name in found]
    starts += [(zone, alias) for alias, zone in aliases.items() if alias.startswith(city)]
    yield [name for name, _ in sorted(starts, key=lambda pair: (len(pair[1]), _preference(pair[0])))]
    yield [name for k, name in _by_preference() if key in k]
    yield _close(key, city)


def _close(key: str, city: str) -> list[str]:
    """Cities, aliases and full names spelled almost like what was typed, closest first."""
    scored: dict[str, float] = {}

    def score(typed: str, candidates: Iterable[tuple[str, str]]) -> None:
        matcher = difflib.SequenceMatcher(b=typed)
        for word, name in candidates:
            matcher.set_seq1(word)
            if matcher.real_quick_ratio() >= FUZZY_CUTOFF and matcher.quick_ratio() >= FUZZY_CUTOFF:
                ratio = matcher.ratio()
                if ratio >= FUZZY_CUTOFF and ratio > scored.get(name, 0.0):
                    scored[name] = ratio

    score(city, ((c, found[0]) for c, found in _cities().items() if c not in NOT_PLACES))
    score(city, _aliases().items())
    if "/" in key:
        score(key, ((k, name) for k, name in _names().items()))
    return sorted(scored, key=lambda name: (-scored[name], _preference(name)))

"""First- and last-name lexicon shipped with the package (built by make_lexicon.py from
Faker's public name-frequency lists; no patient data)."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

# Tokens that are names somewhere but are far more often ordinary words on signs, charts and
# screens; they count as names only in a 'LAST, FIRST' pattern, after a title or a label.
COMMON_WORDS = frozenset("""
A AN AND ARE AS AT BE BY DO FOR FROM HE HER HIS IN IS IT ME MY NO NOT OF ON OR OUR SHE SO THE TO
UP US WE WITH YOU ALL ANY NEW OLD BIG TOP END DAY DATE TIME AGE SEX MALE FEMALE ROOM BED UNIT WARD
DOCTOR NURSE CARE HEALTH MEDICAL CENTER CENTRE CLINIC HOSPITAL GENERAL SAINT ST MOUNT MT LAKE RIVER
NORTH SOUTH EAST WEST CENTRAL MAIN PARK HILL HALL KING QUEEN PRINCE LORD ROYAL GRAND UNION CITY
MAY JUNE JULY APRIL AUGUST MARCH JAN FEB MAR APR JUN JUL AUG SEP SEPT OCT NOV DEC MONDAY SUNDAY
WILL MARK BILL GRACE HOPE FAITH JOY CHASE HUNTER SUMMER WINTER AUTUMN DAWN STAR SKY RAIN STORM
BROWN WHITE GREEN BLACK GRAY GREY GOLD SILVER ROSE RED BLUE LONG SHORT YOUNG OLD SMALL LARGE
ART MUSIC JAZZ BAND ROCK SHOW NEWS BANK BAKER COOK FISHER FARMER TAYLOR MASON CARPENTER SMITH
DEAN BISHOP POPE CHURCH CHAPEL PRICE COST CASH CARD TOTAL TAX SALE SHOP STORE MARKET STREET ROAD
AVENUE LANE DRIVE WAY COURT PLACE WELCOME EXIT ENTRANCE OPEN CLOSED PUSH PULL STOP GO FREE
POST OP ORAL RAY UNIQUE REASON MIN MAX LOW HIGH GOOD BEST MORE LESS SOON JOURNEY FOOT WEEKS DAYS
HOURS SHIFT TEAM STAFF VISIT VISITOR VISITORS PATIENT PATIENTS FAMILY FRIENDS LOVE LIFE HOME
NAME NAMES FIRST LAST ALLERGIES ALLERGY NONE KNOWN ADMIT ADMITTED NOTES NOTE ORDERS LABS VITALS
TEMP RATE BLOOD PRESSURE HEART PULSE SUGAR DIET FALL RISK ISOLATION CONTACT DROPLET AIRBORNE
SUMMARY RESULTS RESULT RANGE FLAG TEST UNITS REF IMAGING INTAKE OUTPUT MEDICATIONS MEDS DOSE
""".split())


def fold(token: str) -> str:
    """Upper-case ASCII form used for lookups (accents dropped: JOSÉ -> JOSE)."""
    return unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode().upper()


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return frozenset((DATA / "first_names.txt").read_text().split())


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    return frozenset((DATA / "last_names.txt").read_text().split())


def is_first_name(token: str) -> bool:
    t = fold(token)
    return len(t) >= 3 and t not in COMMON_WORDS and t in first_names()


def is_last_name(token: str) -> bool:
    t = fold(token)
    return len(t) >= 3 and t not in COMMON_WORDS and t in last_names()


def is_any_name(token: str) -> bool:
    return is_first_name(token) or is_last_name(token)

"""The départements against the INSEE Code officiel géographique: 101, with names and régions."""

from __future__ import annotations

from partnerflow.registration.submission import DealSubmission, check_submission
from partnerflow.territories import CODES, DEPARTEMENTS, SEEDING_ORDER
from tests.factories import NOW, submission

OFFICIAL = (
    {f"{number:02d}" for number in range(1, 20)}
    | {"2A", "2B"}
    | {f"{number:02d}" for number in range(21, 96)}
    | {"971", "972", "973", "974", "976"}
)
REGIONS = {
    "Auvergne-Rhône-Alpes", "Bourgogne-Franche-Comté", "Bretagne", "Centre-Val de Loire", "Corse",
    "Grand Est", "Hauts-de-France", "Île-de-France", "Normandie", "Nouvelle-Aquitaine", "Occitanie",
    "Pays de la Loire", "Provence-Alpes-Côte d'Azur", "Guadeloupe", "Martinique", "Guyane",
    "La Réunion", "Mayotte",
}  # fmt: skip


def test_every_departement_of_the_official_code_is_known_once() -> None:
    assert len(DEPARTEMENTS) == 101 and CODES == OFFICIAL
    assert len({name for _code, name, _region in DEPARTEMENTS}) == 101


def test_each_departement_is_in_one_of_the_18_regions() -> None:
    assert {region for _code, _name, region in DEPARTEMENTS} == REGIONS
    regions = {code: region for code, _name, region in DEPARTEMENTS}
    assert (regions["2B"], regions["90"], regions["976"], regions["69"]) == (
        "Corse",
        "Bourgogne-Franche-Comté",
        "Mayotte",
        "Auvergne-Rhône-Alpes",
    )


def test_the_demo_keeps_seeding_the_same_departements_first() -> None:
    assert SEEDING_ORDER[:4] == ("75", "69", "13", "33") and set(SEEDING_ORDER) <= CODES


def test_a_registration_naming_no_departement_is_refused() -> None:
    for code in ("ZZ", "975", "96", "20"):
        problems = check_submission(
            DealSubmission.model_validate(submission(1, customer_departement=code)),
            today=NOW.date(),
            partner_known=True,
        )
        assert any("is not a French département" in problem for problem in problems), code

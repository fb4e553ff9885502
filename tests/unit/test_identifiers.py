import pytest

from tests.builders import CN_USCC, DE_VAT
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.identifiers import check_country, check_lei, check_nace, check_registration


@pytest.mark.parametrize(
    ("number", "country", "scheme"),
    [
        (CN_USCC, "CN", "cn.uscc"),
        (DE_VAT, "DE", "de.vat"),
        ("732829320", "FR", "fr.siren"),
        ("FR40303265045", "FR", "fr.tva"),
        ("IT00743110157", "IT", "it.iva"),
        ("ESB58378431", "ES", "es.nif"),
        ("NL004495445B01", "NL", "nl.btw"),
        ("PL8567346215", "PL", "pl.nip"),
        ("GB980780684", "GB", "gb.vat"),
    ],
)
def test_registration_numbers_with_a_validator_are_verified(number: str, country: str, scheme: str) -> None:
    registration = check_registration(number, country)
    assert registration.verified
    assert registration.scheme == scheme


@pytest.mark.parametrize(("number", "country"), [("91110000600037341A", "CN"), ("DE136695977", "DE"),
                                                 ("732829321", "FR"), ("GB980780685", "GB")])
def test_a_bad_check_digit_is_an_error(number: str, country: str) -> None:
    with pytest.raises(ValidationError) as caught:
        check_registration(number, country)
    assert caught.value.field == "registration_id"
    assert "bad checksum" in caught.value.reason


def test_a_scheme_without_validator_is_accepted_unverified() -> None:
    registration = check_registration("CR-1234567", "AE")
    assert not registration.verified
    assert registration.number == "CR-1234567"


def test_lei_checksum_is_iso_17442() -> None:
    assert check_lei("5493001kjtiigc8y1r12") == "5493001KJTIIGC8Y1R12"
    with pytest.raises(ValidationError, match="bad checksum"):
        check_lei("5493001KJTIIGC8Y1R13")
    with pytest.raises(ValidationError, match="expected 20 letters and digits"):
        check_lei("549300")


def test_country_codes_are_iso_3166_alpha_2() -> None:
    assert check_country(" cn ") == "CN"
    with pytest.raises(ValidationError, match="unknown country code 'XX'"):
        check_country("XX")
    with pytest.raises(ValidationError, match="unknown country code 'DEU'"):
        check_country("DEU")


@pytest.mark.parametrize("code", ["28", "28.2", "28.22", "46.69", "01.11"])
def test_nace_codes_are_accepted_at_every_level(code: str) -> None:
    assert check_nace(code) == code


@pytest.mark.parametrize("code", ["04", "28.222", "C28", "100"])
def test_malformed_or_unknown_nace_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError, match=r"not a NACE Rev\. 2 code"):
        check_nace(code)

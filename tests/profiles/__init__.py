"""Jurisdiction profiles for tests (``@pytest.mark.ckan_config(
options.JURISDICTION_PROFILE, profiles.EXTENSION)``)."""
from pathlib import Path

HERE = Path(__file__).parent
#: extension of up to 15 working days, up to 99 supplement requests
EXTENSION = str(HERE / "extension.yaml")
#: answer 10, extension 7, 2 supplement requests, catalog change 3
OTHER_NUMBERS = str(HERE / "other-numbers.yaml")
#: qingyang-2021's numbers, but an approval opens the data at once (no
#: acceptance of the terms)
NO_ACCEPTANCE = str(HERE / "no-acceptance.yaml")

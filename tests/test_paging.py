"""Every paged page takes any ?page= (anlian.paging): an absurd number shows the nearest page,
never a 500 from an overflowing SQL offset."""

import pytest

HUGE = "99999999999999999999999"
PAGES = {
    "bureau_user": ["/bureau/audit/", "/bureau/disputes/", "/bureau/jobs/", "/notifications/"],
    "chain_a_user": ["/chain/", "/chain/ratings/", "/chain/admission/"],
    "sme_x_user": ["/sme/hazards"],
}


@pytest.mark.parametrize("user", sorted(PAGES))
def test_any_page_number_is_answered(client, login, world, user):
    login(world[user])
    for path in PAGES[user]:
        for page in (HUGE, "-5", "abc"):
            response = client.get(f"{path}?page={page}")
            assert response.status_code == 200, (path, page, response.status_code)

from tests.conftest import login


def test_front_page_shows_organizations(client, people):
    response = client.get("/")
    assert response.status_code == 200
    assert "Acme Gadgets" in response.get_data(as_text=True)


def test_login_then_settings(client, people):
    login(client, people["consumer"])
    page = client.get("/settings").get_data(as_text=True)
    assert "carol@example.test" in page

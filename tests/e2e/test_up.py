"""`cpom up` as a newcomer runs it: everything starts, contracts survive a restart."""

from pathlib import Path

import httpx

from tests.e2e.stack import AGENT, cpom, cpom_up, isolated_env


def test_up_runs_everything_and_a_second_up_finds_the_contracts(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "data", "cpom-e2e")
    log = tmp_path / "up.log"
    with cpom_up(env, log):
        token = cpom(env, *AGENT)
        demo = cpom(env, "demo")
        assert "DEMO-35-SAD (sad) : créé" in demo
    output = log.read_text()
    assert "cpom est prêt" in output
    assert f"tableau de bord        http://127.0.0.1:{env['CPOM_API_PORT']}/tableau/" in output
    assert "▸ serveur Temporal prêt" in output
    assert "▸ arrêté" in output
    with cpom_up(env, log) as api:
        listed = httpx.get(f"{api}/contracts", headers={"Authorization": f"Bearer {token}"})
        assert listed.json()["total"] == 3
        detail = httpx.get(
            f"{api}/contracts/DEMO-44-ESMS", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert detail["contract"]["phase"] == "prorogation_en_cours"
        # After an upgrade, every running contract projects its agenda again.
        refreshed = cpom(env, "projection", "refresh")
        assert refreshed == "3 contrats en cours projettent à nouveau leur agenda"

"""`etiquette demo`: the live service on the bundled sample, or (--offline) an analysis."""

from __future__ import annotations

import shutil
from pathlib import Path

from service.config import SiteConfig
from service.store import EventStore
from service.store_models import ROLES

SAMPLES = Path(__file__).resolve().parent / "samples"
DEMO_SAMPLE = SAMPLES / "intel_one_by_one.mp4"
DEMO_CAMERA = SAMPLES / "intel_one_by_one.camera.yaml"


def demo_site(data_dir: Path, port: int, speed: float = 1.0, loop: bool = True) -> SiteConfig:
    """The sample as camera 'lobby'; its camera file is copied into the data folder, where the
    calibration page may change it (the packaged copy stays as shipped)."""
    camera_file = data_dir / "cameras" / "lobby.yaml"
    if not camera_file.exists():
        camera_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_CAMERA, camera_file)
    return SiteConfig.model_validate(
        {
            "site": "demo",
            "cameras": [
                {
                    "name": "lobby",
                    "source": str(DEMO_SAMPLE),
                    "camera_file": str(camera_file),
                    "loop": loop,
                    "replay_speed": speed,
                }
            ],
            "storage": {"data_dir": str(data_dir)},
            "server": {"host": "127.0.0.1", "port": port},
        }
    )


def demo_tokens(site: SiteConfig) -> dict[str, str]:
    """Fresh demo tokens (earlier demo tokens are replaced)."""
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        names = {info.name for info in store.tokens()}
        tokens: dict[str, str] = {}
        for role in ROLES:
            name = f"demo-{role}"
            if name in names:
                store.revoke_token(name)
            tokens[role] = store.create_token(role, name)
    return tokens
